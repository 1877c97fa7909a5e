"""`python -m standin [--port N]`: a stand-alone stand-in until interrupted."""
from standin.server import main

main()
