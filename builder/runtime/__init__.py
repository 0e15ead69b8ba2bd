"""What the site ships beside the course: pinned, verified downloads from npm (Pyodide and numpy,
the math font), cached on this machine, and numpy's bytecode precompiled by Pyodide itself."""
