from vecbase.cli.main import main

main()
