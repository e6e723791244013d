from stalkflag.cli import main

main()
