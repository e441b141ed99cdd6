"""Host adapters: the only code that imports nequip, ase, torch_geometric, pytorch3d.

Each adapter is imported explicitly (e.g. ``symplugins.adapters.ase``); importing this
package imports nothing heavy.
"""
