"""Markdown from leads and suppliers (alliance.markdown), called directly: what is stored holds no HTML, and
what is rendered holds only harmless tags and links."""

from alliance.markdown import render_markdown, sanitise_markdown


def test_html_typed_into_markdown_is_removed_before_it_is_stored():
    stored = sanitise_markdown("We buy <script>alert(1)</script>**durable** laptops <b onclick=x()>now</b>.\n"
                               "> quoted & cited")
    # the script goes with its content; Markdown's quote and a plain ampersand survive
    assert stored == "We buy **durable** laptops now.\n> quoted & cited"
    assert sanitise_markdown(None) == ""


def test_rendering_keeps_the_allowed_formatting():
    html = render_markdown("## Needs\n\n**Durable** and *repairable*, `TS1`:\n\n- one\n- two\n\n"
                           "| CPV | Units |\n|---|---|\n| 30213100-6 | 500 |\n\n> a quote")
    for tag in ("<h2>", "<strong>", "<em>", "<code>", "<ul>", "<li>", "<table>", "<th>", "<td>", "<blockquote>"):
        assert tag in html, tag


def test_raw_html_is_shown_as_text_never_run():
    html = render_markdown("<script>alert(1)</script> <img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_links_are_web_or_mail_links_marked_nofollow():
    html = render_markdown("[label](https://example.org/gpp) [mail](mailto:lead@example.org) "
                           "[bad](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)")
    assert 'href="https://example.org/gpp"' in html and 'href="mailto:lead@example.org"' in html
    assert html.count("<a ") == 2 and 'href="javascript' not in html and 'href="data' not in html
    assert html.count('rel="noopener noreferrer nofollow"') == 2


def test_images_are_not_shown():
    html = render_markdown("![tracking pixel](https://tracker.example/p.gif)")
    assert "<img" not in html and "tracker.example" not in html
