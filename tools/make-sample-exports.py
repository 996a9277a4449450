"""Writes the invented sample exports under forces/<force>/profiles/samples/.

Run once by hand (`.venv/bin/python tools/make-sample-exports.py`) when a sample's layout
changes; the files are committed. Every name in them is obviously invented: they show the
layouts forces have, never anyone's data.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date, datetime, time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1] / "forces"


def gwent_posts() -> None:
    """A social-media tool's post export: Windows-1252, one row per post and network."""
    header = ["Post ID", "Network", "Account", "Published", "Author", "Status", "Tags",
              "Post text", "Engagements"]
    rows = [
        ["1001", "Twitter", "Bargoed Police", "03/10/2022 10:15", "Alex Example", "Published",
         "#PositivePolicing #Bargoed", "Great to see the new youth club open \u2013 well done all!", "120"],
        ["1002", "Facebook", "Bargoed Police", "03/10/2022 10:20", "Alex Example", "Published",
         "#PositivePolicing", "Great to see the new youth club open \u2013 well done all!", "45"],
        ["1003", "Twitter", "Rhymney Police", "04/10/2022 18:00", "Sam Sample", "Published",
         "#YourVoice", "Tell us what matters in Rhymney \u2013 it\u2019s your voice", "32"],
        ["1004", "Twitter", "Ystrad Mynach Police", "05/10/2022 09:00", "Jo Placeholder",
         "Published", "#WalkAndTalk", "Walk & Talk at the square, 2pm Friday", "18"],
        ["1005", "Twitter", "Bargoed Police", "06/10/2022 07:30", "Sam Sample", "Published",
         "#Warrant #Bargoed", "Warrant executed in Bargoed this morning\u2026", "210"],
        ["1006", "Twitter", "Caerphilly North Police", "11/10/2022 12:00", "Alex Example",
         "Published", "#PositivePolicing", "\u00a3500 raised for the food bank by our team", "88"],
        ["1007", "Twitter", "Rhymney Police", "11/10/2022 15:00", "Sam Sample", "Draft",
         "#PositivePolicing", "(draft) Thank you to the volunteers", ""],
        ["1008", "Twitter", "Gwent Police", "12/10/2022 08:00", "Jo Placeholder", "Published",
         "#Priorities", "Our priorities for the coming quarter", "301"],
        ["1009", "Twitter", "rhymney police ", "13/10/2022 16:45", "Sam  Sample", "Published",
         "#PositivePolicing #Rhymney", "Bike marking event a great success", "57"],
        ["1010", "Twitter", "Ystrad Mynach Police", "14/10/2022 11:11", "Alex Example",
         "Published", "#PositivePolicing", "Well done to the school council", "64"],
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = ROOT / "gwent/profiles/samples/social-posts-2022-10.csv"
    path.write_bytes(out.getvalue().encode("windows-1252"))


def gwent_database() -> None:
    """The Community Engagement Database: an SQLite file, one row per engagement."""
    path = ROOT / "gwent/profiles/samples/engagement-database.sqlite"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE engagement_log (entry_id INTEGER PRIMARY KEY, activity TEXT NOT NULL,"
        " held_at TEXT NOT NULL, section TEXT, officer_role TEXT, officer TEXT, venue TEXT,"
        " entered_at TEXT NOT NULL)"
    )
    rows = [
        (1, "Police Surgery", "2022-10-04 14:00", "Bargoed", "PCSO", "Chris Fictional",
         "Bargoed library", "2022-10-28 16:00"),
        (2, "Walk and Talk", "2022-10-07 11:00", "Ystrad Mynach", "PCSO", "Pat Madeup",
         "The square", "2022-10-28 16:05"),
        (3, "Community Group Visit", "2022-10-12 19:00", "Rhymney", "Ward Manager",
         "Chris Fictional", "Rhymney youth club", "2022-10-28 16:10"),
        (4, "Inspector Surgery", "2022-10-18 17:30", "Bargoed", "Inspector", "Lee Notreal",
         "Bargoed library", "2022-10-31 09:00"),
        (5, "School Visit", "2022-10-20 10:00", "Rhymney", "PCSO", "Pat Madeup",
         "Rhymney comprehensive", "2022-10-31 09:05"),
        (6, "Police Surgery", "2022-11-01 14:00", "Rhymney", "PCSO", "Pat Madeup",
         "Rhymney leisure centre", "2022-11-29 15:00"),
        (7, "Walk & Talk", "2022-11-03 11:00", "Bargoed", "Sergeant", "Lee Notreal",
         "Hanbury Road", "2022-11-29 15:10"),
        (8, "Inspector Surgery", "2022-11-15 17:30", "Ystrad Mynach", "Inspector",
         "Lee Notreal", "Ystrad Mynach library", "2022-11-30 10:00"),
    ]
    db.executemany("INSERT INTO engagement_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def _sheet_header(sheet, title: str, header: list[str]) -> None:
    sheet.append([title])
    sheet.append([])
    sheet.append(header)


def dorset_log() -> None:
    """An engagement-log spreadsheet: a title row, the header on row 3, date and time cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Log"
    _sheet_header(sheet, "West Dorset NPT engagement log \u2013 Q4 2022",
                  ["Date", "Time", "Activity", "Area", "Rank", "Officer", "Location", "Notes"])
    rows = [
        (date(2022, 10, 3), time(10, 0), "Foot Patrol", "Bridport", "PCSO", "Dana Example",
         "South Street", "2 hours"),
        (date(2022, 10, 5), time(18, 30), "Street corner meeting", "Lyme Regis", "PC",
         "Robin Sample", "Broad Street", "hotspot: Cobb car park"),
        (date(2022, 10, 8), time(11, 0), "Engagement event", "Dorchester", "PS",
         "Sky Placeholder", "Corn Exchange", "crime prevention stall"),
        (44845, time(14, 0), "Face to face", "Sherborne", "PCSO", "Dana Example",
         "Cheap Street", "serial date typed into a General cell"),
        ("17/10/2022", "09:30", "Foot patrol", "Rural West Dorset", "SC", "Robin Sample",
         "Beaminster", "date typed as text"),
        (date(2022, 10, 19), time(19, 0), "Pub Watch meeting", "Bridport Pub Watch", "PC",
         "Robin Sample", "The Bull", ""),
        (date(2022, 10, 24), time(12, 0), "Training", "Dorchester", "PS", "Sky Placeholder",
         "Station", "internal: not engagement"),
    ]
    for row in rows:
        sheet.append(list(row))
    for cell in sheet["A"][3:]:
        if isinstance(cell.value, (date, datetime)):
            cell.number_format = "dd/mm/yyyy"
    for cell in sheet["B"][3:]:
        if isinstance(cell.value, time):
            cell.number_format = "hh:mm"
    book.save(ROOT / "dorset/profiles/samples/engagement-log-2022q4.xlsx")


def surrey_cadets() -> None:
    """The cadet-hours workbook: a roster sheet and an hours sheet."""
    book = openpyxl.Workbook()
    roster = book.active
    roster.title = "Roster"
    roster.append(["Cadet", "Borough", "Enrolled"])
    for row in [("Riley Testcase", "Waverley", date(2022, 9, 5)),
                ("Morgan Madeup", "Waverley", date(2022, 9, 5)),
                ("Casey Invented", "Guildford", date(2022, 10, 10))]:
        roster.append(list(row))
    hours = book.create_sheet("Hours")
    hours.append(["Cadet", "Borough", "Date", "Hours", "Project", "Signed off"])
    for row in [
        ("Riley Testcase", "Waverley", date(2022, 10, 1), 2, "Road safety", "yes"),
        ("Riley Testcase", "Waverley", date(2022, 10, 15), 1.5, "Charity fund raising", "yes"),
        ("Morgan Madeup", "Waverley", date(2022, 10, 15), 2, "Charity fund raising", "yes"),
        ("Casey Invented", "Guildford", date(2022, 10, 22), 3, "Fraud awareness", "yes"),
        ("Casey Invented", "Guildford", date(2022, 10, 29), 1, "Fraud awareness", "no"),
        ("Riley Testcase", "Waverley", date(2022, 11, 5), 3, "Road safety", "yes"),
        ("Morgan Madeup", "Waverley", date(2022, 11, 12), 3.5, "Road safety", "yes"),
        ("Casey Invented", "Guildford", date(2022, 11, 19), 4, "Fraud awareness", "yes"),
    ]:
        hours.append(list(row))
    for sheet, column in ((roster, "C"), (hours, "C")):
        for cell in sheet[column][1:]:
            cell.number_format = "dd/mm/yyyy"
    book.save(ROOT / "surrey/profiles/samples/cadet-hours-2022q4.xlsx")


def notts_posts() -> None:
    """Another tool's export: semicolons, UTF-8 with a byte order mark, date and time apart."""
    header = ["Date", "Time", "Platform", "Page", "Message", "Posted by"]
    rows = [
        ["2022-10-03", "09:30", "Facebook", "Ashfield Police", "Beat surgery at the library today", "Drew Example"],
        ["2022-10-04", "12:00", "X (Twitter)", "Mansfield Police", "Bike marking on Saturday", "Jamie Sample"],
        ["2022-10-06", "17:15", "Facebook", "Gedling Police", "Thank you for coming to our meeting", "Drew Example"],
        ["2022-10-10", "08:45", "Instagram", "Ashfield Police", "Photo of the week", "Jamie Sample"],
        ["2022-10-12", "19:00", "X (Twitter)", "Rushcliffe Police", "Rural crime update", "Toni Placeholder"],
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = ROOT / "notts/profiles/samples/page-posts-2022-10.csv"
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


if __name__ == "__main__":
    gwent_posts()
    gwent_database()
    dorset_log()
    surrey_cadets()
    notts_posts()
