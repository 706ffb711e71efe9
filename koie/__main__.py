from koie.cli import entry

entry()
