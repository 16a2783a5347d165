from ocopsite.commands.cli import main

main()
