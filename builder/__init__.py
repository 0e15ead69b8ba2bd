"""The course builder: chapters in Markdown to a static site (see build.py for the commands)."""
