"""Starting geometries of the MD17 molecules (ASE's g2 set or RDKit SMILES -> 3D).

The MD17 / rMD17 benchmark (Chmiela et al., Sci. Adv. 2017; Christensen & von Lilienfeld
2020) uses eight small organic molecules. MD17 itself cannot be downloaded here, so we
regenerate MD17-like trajectories with GFN2-xTB (:mod:`symplugins.data.xtb`) from these
starting structures.
"""
from __future__ import annotations

from symplugins.utils import require

#: molecule name -> (ASE g2 name or None, SMILES)
MOLECULES: dict[str, tuple[str | None, str]] = {
    "ethanol": ("CH3CH2OH", "CCO"),
    "benzene": ("C6H6", "c1ccccc1"),
    "malonaldehyde": (None, "O=CC=CO"),
    "uracil": (None, "O=C1C=CNC(=O)N1"),
    "toluene": (None, "Cc1ccccc1"),
    "naphthalene": (None, "c1ccc2ccccc2c1"),
    "salicylic_acid": (None, "O=C(O)c1ccccc1O"),
    "aspirin": (None, "CC(=O)Oc1ccccc1C(=O)O"),
}


def list_molecules() -> list[str]:
    """Names accepted by :func:`starting_geometry`."""
    return sorted(MOLECULES)


def starting_geometry(name: str, *, seed: int = 0):
    """A 3-D starting structure (``ase.Atoms``) of an MD17 molecule.

    Uses ASE's g2 geometry when there is one, else an RDKit ETKDG conformer (with hydrogens,
    MMFF-relaxed, deterministic for a given ``seed``).
    """
    key = name.lower().replace("-", "_").replace(" ", "_")
    if key not in MOLECULES:
        raise ValueError(
            f"unknown molecule {name!r}; choose one of {list_molecules()} "
            "or pass your own structure file"
        )
    g2, smiles = MOLECULES[key]
    if g2 is not None:
        build = require("ase.build", purpose="starting geometries")
        return build.molecule(g2)
    return from_smiles(smiles, seed=seed)


def from_smiles(smiles: str, *, seed: int = 0):
    """``ase.Atoms`` of one RDKit ETKDG conformer of ``smiles`` (hydrogens added, MMFF-relaxed)."""
    chem = require("rdkit.Chem", purpose="SMILES -> 3D geometries")
    allchem = require("rdkit.Chem.AllChem", purpose="SMILES -> 3D geometries")
    ase = require("ase", purpose="SMILES -> 3D geometries")
    mol = chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"'smiles' could not be parsed by RDKit: {smiles!r}")
    mol = chem.AddHs(mol)
    if allchem.EmbedMolecule(mol, randomSeed=seed) != 0:
        raise ValueError(f"RDKit could not embed {smiles!r} in 3D; try another seed")
    allchem.MMFFOptimizeMolecule(mol)
    pos = mol.GetConformer().GetPositions()
    return ase.Atoms([a.GetSymbol() for a in mol.GetAtoms()], positions=pos)
