import sys

try:
    from build_tools.cli import main  # light: the build's own modules are imported by main, Ctrl-C held
    from build_tools.fast_exit import end

    end(main())
except KeyboardInterrupt:
    # Ctrl-C before the CLI's own handler is in place (while the interpreter imports it) or after it
    # returned: one line and the shell's code for it, never a traceback.
    print("interrupted, previous output kept", file=sys.stderr)
    sys.exit(130)
