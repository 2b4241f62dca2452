"""The `kubelab` command line: a root typer app that packages extend through entry points."""
