"""Executes a notebook headlessly and writes the executed copy: run_notebook.py IN.ipynb OUT.ipynb"""
import os
import sys

import nbformat
from nbclient import NotebookClient

# The kernel draws figures inline (matplotlib-inline), so charts land in the executed notebook.
os.environ.pop("MPLBACKEND", None)
source, target = sys.argv[1], sys.argv[2]
notebook = nbformat.read(source, as_version=4)
NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}}).execute()
nbformat.write(notebook, target)
