"""`python -m nntui` is the same program as `nntui`."""

from nntui.cli import main

raise SystemExit(main())
