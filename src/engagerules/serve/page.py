"""The subscription page: the feeds a token reads, as links Outlook and phones take.

Outlook on the web subscribes only to `https://` addresses; desktop Outlook and Apple
calendars also open `webcal://` links directly. The page gives both, a button that copies
each address, and Outlook's steps in words. Every text from the configuration is escaped.
"""

from __future__ import annotations

import html

from engagerules.model.plan import Force
from engagerules.model.words import role_words, unit_words

__all__ = ["subscription_page"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 56rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ccc; }
code { font-size: .85rem; word-break: break-all; }
button { font: inherit; padding: .2rem .6rem; }
ol li { margin: .3rem 0; }
"""

_SCRIPT = """
document.querySelectorAll('button[data-copy]').forEach(function (b) {
  b.addEventListener('click', function () {
    var text = b.getAttribute('data-copy');
    var done = function () { b.textContent = 'Copied'; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else { fallback(text); done(); }
  });
});
function fallback(text) {
  var area = document.createElement('textarea');
  area.value = text; document.body.appendChild(area); area.select();
  try { document.execCommand('copy'); } catch (e) {}
  document.body.removeChild(area);
}
"""


def subscription_page(force: Force, base: str, token: str, pairs: list[tuple[str, str]]) -> str:
    """The page for `token`, whose feeds are `pairs` of (role, unit); `base` is the https
    address the server is reached at."""
    e = html.escape
    host = base.split("://", 1)[-1].rstrip("/")
    rows = []
    for role, unit in pairs:
        path = f"/feeds/{token}/{force.id}/{role}/{unit}.ics"
        https, webcal = f"https://{host}{path}", f"webcal://{host}{path}"
        rows.append(
            "<tr>"
            f"<td>{e(role_words(force, role))}</td><td>{e(unit_words(force, unit))}</td>"
            f'<td><a href="{e(https)}">https link</a> '
            f'<button type="button" data-copy="{e(https)}">Copy</button><br>'
            f'<a href="{e(webcal)}">webcal link</a> '
            f'<button type="button" data-copy="{e(webcal)}">Copy</button></td>'
            "</tr>"
        )
    table = (
        "<table><thead><tr><th>Role</th><th>Unit</th><th>Subscribe</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>This link gives no calendar with duties in it.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Duty calendars: {e(force.name)}</title><style>{_STYLE}</style></head>
<body><main>
<h1>Duty calendars for {e(force.name)}</h1>
<p>Subscribe once: the calendar then keeps itself up to date when the plan or the rota
changes. Keep these links to yourself: anyone with a link can read that calendar.</p>
{table}
<h2>Outlook on the web, and new Outlook</h2>
<ol><li>Copy the <strong>https link</strong> above.</li>
<li>Open Calendar, choose <strong>Add calendar</strong>, then
<strong>Subscribe from web</strong>.</li>
<li>Paste the link, give the calendar a name, and choose <strong>Import</strong>.</li></ol>
<p>Outlook on the web looks for changes every few hours.</p>
<h2>Classic Outlook for Windows</h2>
<ol><li>Copy the <strong>https link</strong>.</li>
<li>In Calendar, choose <strong>Add Calendar</strong>, then <strong>From Internet</strong>.</li>
<li>Paste the link and choose <strong>OK</strong>, then <strong>Yes</strong>.</li></ol>
<p>Classic Outlook looks for changes when it sends and receives.</p>
<h2>iPhone, iPad and Mac</h2>
<p>Open the <strong>webcal link</strong> on the device and confirm the subscription.</p>
</main><script>{_SCRIPT}</script></body></html>
"""
