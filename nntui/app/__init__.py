"""The Textual debugger: a view of a `nntui.session.Session`."""
