from scoregate.cli.app import main

main()
