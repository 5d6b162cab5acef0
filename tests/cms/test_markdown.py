from apps.cms.markdown import render_markdown


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hello\n\n<script>alert('x')</script>\n\n<SCRIPT src=//evil.js></SCRIPT>")
    assert "<script" not in html.lower()
    assert "alert" not in html
    assert "Hello" in html


def test_javascript_links_lose_their_href():
    html = render_markdown('[click](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">x</a>')
    assert "javascript" not in html.lower()
    assert "click" in html


def test_event_handler_attributes_are_removed():
    html = render_markdown(
        '<a href="https://example.com" onclick="steal()">x</a>\n\n'
        '<img src="https://example.com/a.png" onerror="steal()">\n\n'
        '<p onmouseover="steal()">hi</p>'
    )
    assert "onclick" not in html and "onerror" not in html and "onmouseover" not in html
    assert "steal" not in html
    assert 'href="https://example.com"' in html


def test_links_get_noopener_noreferrer():
    html = render_markdown("[Foundry](https://foundry.example)")
    assert 'rel="noopener noreferrer"' in html


def test_normal_markdown_survives():
    html = render_markdown(
        "# Title\n\n## Sub\n\nSome *em* and **strong**.\n\n- one\n- two\n\n1. first\n2. second\n\n"
        "[link](https://example.com/x)\n\n`inline`\n\n```python\nprint('hi')\n```\n"
    )
    for fragment in (
        "<h1>Title</h1>",
        "<h2>Sub</h2>",
        "<em>em</em>",
        "<strong>strong</strong>",
        "<ul>",
        "<li>one</li>",
        "<ol>",
        "<code>inline</code>",
        '<code class="language-python">',
        'href="https://example.com/x"',
    ):
        assert fragment in html, (fragment, html)


def test_iframes_and_styles_are_dropped():
    html = render_markdown('<iframe src="https://evil"></iframe><style>body{}</style>ok')
    assert "iframe" not in html and "style" not in html and "ok" in html
