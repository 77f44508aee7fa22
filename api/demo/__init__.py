"""`agora demo`: a lively marketplace on the running stores, N simulated days in minutes.

Everything it does goes through the use cases the API runs (one unit of work each) on a
clock it moves, and the worker's own jobs run at the end of every simulated day. What it
shows is made of scenes (`api/demo/scenes/`): a capability adds itself by adding a module.
"""
