"""A lesson's table sits in a region of its own that scrolls when the table is wider than the column (1.4.10)."""

from __future__ import annotations

import re

from tests.content.test_blocks import render


def _table(**value) -> str:
    return render(("table", {"first_row_is_table_header": True, "first_col_is_header": False} | value))


def test_the_table_scrolls_in_a_keyboard_reachable_region_named_by_its_caption():
    html = _table(data=[["Port", "Use"], ["22", "SSH"]], table_caption="Common ports")
    region = re.search(r"<div class=\"table-scroll\" role=\"region\" aria-label=\"([^\"]*)\" tabindex=\"0\">", html)
    assert region is not None and region.group(1) == "Common ports"
    assert html.index(region.group(0)) < html.index("<table>") < html.index("</table>") < html.rindex("</div>")
    assert "<caption>Common ports</caption>" in html


def test_the_cells_are_wagtail_s_header_and_data_cells():
    html = _table(data=[["Port", "Use"], ["22", "SSH\nsecure shell"]], first_col_is_header=True)
    assert re.search(r'<th scope="col"\s*>Port</th>', html)
    assert re.search(r'<th scope="row"\s*>22</th>', html)
    assert re.search(r"<td\s*>SSH<br>secure shell</td>", html)
    assert 'aria-label="Table"' in html  # no caption: still a named region


def test_cell_text_is_escaped():
    html = _table(data=[["Tag"], ["<script>alert(1)</script>"]])
    assert "<script>" not in html and "&lt;script&gt;" in html
