"""The sources: reading a workspace's YAML files and explaining what is wrong with them.

The first stage of the pipeline. `workspace.load_workspace` finds the files, `yamltree`
parses each into nodes that remember their FILE:LINE:COL, `yamlhints` turns the parser's
complaints into plain words with a fix, and `validate` checks every key against `keys` and
builds the `model` (companies, questions, answers, stories). `problems` holds the messages
every later stage prints; `lint` and `init`, `schema` and `media` serve `check`, `init`, the
editor schemas and photos. Nothing here knows about cards or Anki.
"""
