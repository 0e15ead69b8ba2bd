"""The course's simulations: one pure numpy module per sim, registered by name below.

Every module follows the contract in `sims/contract.py`. The same files run in CPython (tests,
`build.py check`) and in the learner's browser through Pyodide.
"""

# The registry: chapters embed sims by these names, in course order.
NAMES = (
    "ball",
    "sample_efficiency",
    "latent",
    "dreamer",
    "jepa",
    "video",
    "planning",
    "compounding",
    "agent",
)
