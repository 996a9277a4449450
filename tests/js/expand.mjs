// Expand every VEVENT of an iCalendar file with Mozilla's ical.js (the parser inside
// Thunderbird) and print the occurrences as JSON, so tests/test_calendar.py can compare
// them one by one with `engagerules schedule`. Nothing of engagerules is used here: the
// time zone comes from the file's own VTIMEZONE, as it would in a calendar client.
//
//   node expand.mjs FILE.ics STOP-DATE
//
// STOP-DATE (YYYY-MM-DD) bounds open-ended series; a series that runs past it is an error.

import fs from "node:fs";
import ICAL from "ical.js";

const [file, stopText] = process.argv.slice(2);
if (!file || !stopText) {
  process.stderr.write("usage: node expand.mjs FILE.ics STOP-DATE\n");
  process.exit(2);
}

const root = new ICAL.Component(ICAL.parse(fs.readFileSync(file, "utf8")));
const stop = ICAL.Time.fromDateString(stopText);

function instant(time) {
  // All-day values are floating dates: report the date; timed ones as UTC seconds.
  return time.isDate ? null : time.toUnixTime();
}

const occurrences = [];
const events = [];
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const rrule = vevent.getFirstPropertyValue("rrule");
  const base = {
    uid: event.uid,
    obligation: vevent.getFirstPropertyValue("x-engagerules-obligation"),
    scope: vevent.getFirstPropertyValue("x-engagerules-scope"),
  };
  events.push({
    ...base,
    summary: event.summary,
    description: event.description,
    categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues()),
    rrule: rrule ? rrule.toString() : null,
    tzid: event.startDate.isDate ? null : event.startDate.zone.tzid,
  });
  const emit = (start, end) =>
    occurrences.push({
      ...base,
      all_day: start.isDate,
      start: start.toString(),
      end: end.toString(),
      start_unix: instant(start),
      end_unix: instant(end),
    });
  if (!event.isRecurring()) {
    emit(event.startDate, event.endDate);
    continue;
  }
  const iterator = event.iterator();
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (next.compare(stop) > 0) {
      throw new Error(`series ${event.uid} runs past ${stopText}`);
    }
    const details = event.getOccurrenceDetails(next);
    emit(details.startDate, details.endDate);
  }
}
process.stdout.write(JSON.stringify({ events, occurrences }));
