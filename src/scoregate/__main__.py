from scoregate.cli import main

main()
