"""The template filters of the browser pages (annotations/templatetags/workbench.py)."""

import json
import re

from annotations.templatetags.workbench import json_data


def _parse(html: str) -> object:
    match = re.fullmatch(r'<script id="data" type="application/json">(.*)</script>', html, re.S)
    assert match, html
    return json.loads(match.group(1))


def test_json_data_keeps_text_that_would_close_the_script_inside_it():
    value = {"text": "</script><script>alert(1)</script> <!-- & -->"}
    html = json_data(value, "data")
    assert html.count("</script>") == 1 and "<!--" not in html
    assert _parse(html) == value


def test_json_data_writes_non_ascii_text_as_utf8_not_escapes():
    text = "Keïta à Bamako 🇲🇱 北京 \u2028 عربي"
    html = json_data({"text": text}, "data")
    assert text in html  # one copy, as it is: a 2 MB document stays about 2 MB
    assert _parse(html) == {"text": text}


def test_json_data_escapes_the_element_id():
    assert 'id="a&quot;b"' in json_data([], 'a"b')
