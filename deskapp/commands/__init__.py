"""Headless sub-commands of the `deskapp` command line."""
