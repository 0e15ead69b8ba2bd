"""Every authoring mistake fails the build with file:line, the offending line and a message."""

import pytest

from builder import course, site
from builder.errors import BuildError

FRONT = "---\ntitle: T\ndescription: D.\norder: 0\n---\n"
SIM = "::: sim ball\ntitle: A ball\ncaption: It falls.\n:::\n"
QUIZ_OPTIONS = "- [x] Yes.\n  Because.\n- [ ] No.\n  Because not.\n"
PENDULUM = "::: sim compounding\ntitle: A pendulum\ncaption: It swings.\n:::\n"
RANGES = "- [< 1] Small.\n  Because.\n- [> 1] Large.\n  Because not.\n"


def predict(keys, options=RANGES, sim="compounding"):
    """A chapter with the pendulum and a prediction on it (opening at line 10)."""
    return FRONT + PENDULUM + f"::: predict {sim}\nHow far?\n\n{keys}" + options + ":::\n"


CASES = [
    # (id, chapter text, line, message)
    ("no front matter", "Hello\n", 1,
     "a chapter starts with front matter: a line '---', then title, description and order, then '---'"),
    ("front matter not closed", "---\ntitle: T\n", 1, "the front matter is not closed by a line '---'"),
    ("unknown key", "---\ntitel: T\ndescription: D.\norder: 0\n---\n", 2,
     "unknown front matter key 'titel' (did you mean 'title'?)"),
    ("key twice", "---\ntitle: T\ntitle: U\ndescription: D.\norder: 0\n---\n", 3, "'title' is given twice"),
    ("empty key", "---\ntitle:\ndescription: D.\norder: 0\n---\n", 2, "'title' is empty"),
    ("order not a number", "---\ntitle: T\ndescription: D.\norder: first\n---\n", 4,
     "order must be a whole number, not 'first'"),
    ("missing key", "---\ntitle: T\norder: 0\n---\n", 1, "the front matter has no 'description'"),
    ("not key value", "---\ntitle: T\ndescription: D.\norder: 0\njust words\n---\n", 5,
     "expected 'key: value' in the front matter"),
    ("stray close", FRONT + "Text.\n:::\n", 7, "':::' closes a block, but no block is open here"),
    ("nested", FRONT + "::: callout A\n::: callout B\n:::\n", 7,
     "blocks cannot be nested: close the 'callout' block opened at line 6 with ':::' first"),
    ("unclosed", FRONT + "::: quiz\nWhy?\n", 6, "the 'quiz' block is never closed: end it with a line ':::'"),
    ("unknown block", FRONT + "::: quizz\nWhy?\n:::\n", 6,
     "unknown block 'quizz' (did you mean 'quiz'?); blocks are callout, figure, flow, predict, quiz, sim"),
    ("callout without title", FRONT + "::: callout\nBody.\n:::\n", 6,
     "a callout needs a title: '::: callout The core idea'"),
    ("empty callout", FRONT + "::: callout The core idea\n:::\n", 6, "the callout is empty"),
    ("sim without name", FRONT + "::: sim\ntitle: A\ncaption: B\n:::\n", 6, "name the simulation: '::: sim NAME'"),
    ("unknown sim", FRONT + "::: sim bal\ntitle: A\ncaption: B\n:::\n", 6,
     "unknown sim 'bal' (did you mean 'ball'?)"),
    ("sim key", FRONT + "::: sim ball\ntitle: A\ncaptoin: B\n:::\n", 8,
     "expected 'title: ...' or 'caption: ...' in a sim block (did you mean 'caption'?)"),
    ("sim without caption", FRONT + "::: sim ball\ntitle: A\n:::\n", 6,
     "the sim block has no caption: add a line 'caption: ...'"),
    ("sim without title", FRONT + "::: sim ball\ncaption: A\n:::\n", 6,
     "the sim block has no title: add a line 'title: ...'"),
    ("quiz without question", FRONT + "::: quiz\n" + QUIZ_OPTIONS + ":::\n", 6,
     "the quiz has no question: write it before the options"),
    ("quiz stray line", FRONT + "::: quiz\nWhy?\n" + QUIZ_OPTIONS + "stray\n:::\n", 12,
     "expected an option '- [ ] ...' or '- [x] ...', or its explanation indented by two spaces"),
    ("option without explanation", FRONT + "::: quiz\nWhy?\n- [x] Yes.\n- [ ] No.\n  Because not.\n:::\n", 8,
     "this option has no explanation: add a line indented by two spaces saying why it is right or wrong"),
    ("one option", FRONT + "::: quiz\nWhy?\n- [x] Yes.\n  Because.\n:::\n", 6, "a quiz needs at least two options"),
    ("no correct option", FRONT + "::: quiz\nWhy?\n- [ ] Yes.\n  Because.\n- [ ] No.\n  Not.\n:::\n", 6,
     "the quiz has no correct option: mark one '- [x]'"),
    ("predict unknown sim", predict("read: error at the end\n", sim="pendulum"), 10, "unknown sim 'pendulum'"),
    ("predict without read", predict("set: quality=20\n"), 10,
     "say which number to read: 'read: METRIC at the end', 'read: METRIC at frame N' or "
     "'read: METRIC when OTHER reaches V'"),
    ("predict unreadable read", predict("read: error after a while\n"), 13,
     "cannot read 'error after a while': write 'METRIC at the end', 'METRIC at frame N' or "
     "'METRIC when OTHER reaches V'"),
    ("predict unknown key", predict("sett: quality=20\nread: error at the end\n"), 13,
     "expected one of set: ..., seed: ..., read: ..., unit: ... before the options (did you mean 'set'?)"),
    ("predict option not a range", predict("read: error at the end\n", "- [x] Small.\n  B.\n- [> 1] Large.\n  B.\n"), 14,
     "a prediction's option is a range: '- [< 0.5]', '- [0.5 to 2]' or '- [> 2]', not '- [x]'"),
    ("predict ranges overlap", predict("read: error at the end\n", "- [< 1] Small.\n  B.\n- [0.5 to 2] Mid.\n  B.\n"), 16,
     "the ranges must go up, one after another, without overlapping"),
    ("predict unknown control", predict("set: qualty=20\nread: error at the end\n"), 13,
     "the sim has no control 'qualty'; it has quality"),
    ("predict off the slider", predict("set: quality=23\nread: error at the end\n"), 13,
     "quality moves in steps of 5 from 0: 23 is not one of them"),
    ("predict unknown metric", predict("read: errror at the end\n"), 10,
     "the prediction cannot be measured: the frame has no metric 'errror'; it has step, error, spread, outside"),
    ("predict frame beyond the run", predict("read: error at frame 5000\n"), 10,
     "the prediction cannot be measured: the run ended before frame 5000"),
    ("predict value in no option", predict("set: quality=20\nread: error when step reaches 50\n",
                                           "- [< 0.3] Small.\n  B.\n- [0.3 to 1] Mid.\n  B.\n"), 10,
     "the sim measured error = 2.281, which no option covers"),
    ("predict without its sim", FRONT + "::: predict compounding\nHow far?\n\nread: error at the end\n" + RANGES + ":::\n", 6,
     "the chapter has no '::: sim compounding' for this prediction to run"),
    ("quiz option marked with a range", FRONT + "::: quiz\nWhy?\n- [< 1] Yes.\n  B.\n- [x] No.\n  B.\n:::\n", 8,
     "a quiz option is marked '- [x]' (right) or '- [ ]' (wrong), not '- [< 1]'"),
    ("flow row", FRONT + "::: flow Pipeline\nstate\n:::\n", 7,
     "a flow row needs at least two steps joined by ' → ', ' + ' or ' = '"),
    ("empty flow", FRONT + "::: flow Pipeline\n:::\n", 6, "the flow is empty"),
    ("unknown chapter link", FRONT + "See [two](02-tw.md).\n", 6,
     "link to unknown chapter '02-tw.md' (did you mean '02-two.md'?)"),
    ("javascript link", FRONT + "A [trap](javascript:alert(1)).\n", 6,
     "unsafe link URL 'javascript:alert(1)': only http, https and mailto are allowed"),
    ("image without alt", FRONT + "Look: ![](pic.png)\n", 6, "image without alt text: describe it in ![...]"),
    ("missing anchor", FRONT + "## Collapse\n\nSee [above](#colapse).\n", 8,
     "no anchor '#colapse' in chapters/01-one.md (did you mean 'collapse'?)"),
    ("missing image", FRONT + "Look: ![a plot](pic.png)\n", 6, "image 'pic.png' not found in chapters/"),
    ("bad math", FRONT + "Broken $\\frac{1}{$ math.\n", 6,
     "cannot read the math '\\frac{1}{' (NoAvailableTokensError)"),
    ("math link", FRONT + "Math $\\href{javascript:alert(1)}{x}$ here.\n", 6,
     "math may not contain links: '\\href{javascript:alert(1)}{x}'"),
    ("too many brackets", FRONT + "Intro.\n\n" + "[" * 3000 + "\n", 8,
     "this paragraph has 3,000 '[' in 3,000 characters, which Markdown cannot render in reasonable "
     "time: split it into shorter paragraphs, or put literal text in a ``` code block"),
    ("nested too deeply", FRONT + "".join("    " * i + "- item\n" for i in range(300)), 6,
     "the Markdown is nested too deeply to render: flatten its lists or quotes"),
    ("duplicate id", FRONT + "## Quiz 1\n\nText.\n\n::: quiz\nWhy?\n" + QUIZ_OPTIONS + ":::\n", 10,
     "duplicate id 'quiz-1' on this page"),
]


@pytest.mark.parametrize("text, line, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_is_reported_with_file_line_and_message(course_dir, text, line, message):
    root = course_dir({"01-one.md": text, "02-two.md": FRONT.replace("order: 0", "order: 9")})
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    found = [(p.path, p.line, p.message) for p in caught.value.problems]
    assert ("chapters/01-one.md", line, message) in found, found
    shown = str(caught.value)
    lines = text.splitlines()
    if line <= len(lines) and lines[line - 1].strip():
        assert f"chapters/01-one.md:{line}: {message}\n    {line} | {lines[line - 1]}" in shown


def test_all_problems_of_a_run_are_listed(course_dir):
    root = course_dir({
        "01-one.md": FRONT + "::: sim bal\ntitle: A\ncaption: B\n:::\n",
        "02-two.md": FRONT.replace("order: 0", "order: 1") + "::: callout\nx\n:::\n",
    })
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    assert [(p.path, p.line) for p in caught.value.problems] == [
        ("chapters/01-one.md", 6), ("chapters/02-two.md", 6)]


def test_a_repeated_link_is_reported_where_each_one_stands(course_dir):
    text = (FRONT + "See [a](99-nowhere.md).\n\n::: callout Aside\nAnd [b](99-nowhere.md) and [c](#nowhere).\n:::\n\n"
            "Then [d](99-nowhere.md), and [e](#nowhere) again.\n")
    root = course_dir({"01-one.md": text})
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    found = sorted((p.line, p.message.split(" '")[0]) for p in caught.value.problems)
    assert found == [(6, "link to unknown chapter"), (9, "link to unknown chapter"), (9, "no anchor"),
                     (12, "link to unknown chapter"), (12, "no anchor")]


def test_duplicate_slug_and_order(course_dir):
    root = course_dir({"01-one.md": FRONT, "02-one.md": FRONT})
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    messages = [(p.path, p.message) for p in caught.value.problems]
    assert ("chapters/02-one.md", "duplicate slug 'one': chapters/01-one.md has it too") in messages
    assert ("chapters/02-one.md", "duplicate order '0': chapters/01-one.md has it too") in messages


def test_file_level_problems(course_dir):
    root = course_dir({"01-One_Two.md": FRONT})
    (root / "chapters" / "02-bad.md").write_bytes(b"---\ntitle: \xff\n")
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    messages = [(p.path, p.line, p.message) for p in caught.value.problems]
    assert ("chapters/01-One_Two.md", 1,
            "file name must be NN-lowercase-words.md, giving the slug 'One_Two'") in messages
    assert ("chapters/02-bad.md", 2, "the file is not UTF-8 text") in messages


def test_no_chapters(course_dir):
    root = course_dir({})
    with pytest.raises(BuildError, match="no chapters found: add chapters/00-title.md"):
        course.gather(root)


def test_a_broken_sim_module_names_the_sim_and_its_error(course_dir):
    root = course_dir({"01-one.md": FRONT + SIM})
    (root / "sims" / "ball.py").write_text("TITLE = 'x'\nHOW = 'y'\nCONTROLS = []\n"
                                           "def simulate(params, seed):\n    yield 1 / 0\n")
    with pytest.raises(BuildError) as caught:
        course.gather(root, run_sims=True)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("chapters/01-one.md", 6)
    assert problem.message == "sim 'ball' fails: ZeroDivisionError: division by zero (ball.py:5)"


def test_a_failed_build_leaves_the_previous_site(course_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    root = course_dir({"01-one.md": FRONT + "Hello.\n"})
    out = tmp_path / "out"
    site.build(root, out)
    before = (out / "one.html").read_text()
    (root / "chapters" / "01-one.md").write_text(FRONT + "::: sim nope\n:::\n")
    with pytest.raises(BuildError):
        site.build(root, out)
    assert (out / "one.html").read_text() == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out")], "no staging folders left"


def test_an_interrupted_build_leaves_the_previous_site(course_dir, tmp_path, monkeypatch):
    def crash(out):
        raise KeyboardInterrupt

    root = course_dir({"01-one.md": FRONT + "Hello.\n"})
    out = tmp_path / "out"
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    site.build(root, out)
    monkeypatch.setattr("builder.runtime.pyodide.install", crash)
    with pytest.raises(KeyboardInterrupt):
        site.build(root, out)
    assert (out / "one.html").is_file()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out")]


def test_refuses_to_replace_a_folder_it_did_not_build(course_dir, tmp_path):
    root = course_dir({"01-one.md": FRONT})
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(site.SiteError, match="refusing to replace .*precious: it is not a site built"):
        site.build(root, out)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_refuses_to_build_into_the_sources(course_dir):
    root = course_dir({"01-one.md": FRONT})
    with pytest.raises(site.SiteError, match="it holds the course's sources"):
        site.build(root, root / "chapters")
    assert (root / "chapters" / "01-one.md").is_file()
