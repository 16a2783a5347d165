from ocopsite.commands.cli import run

run()
