"""normalize: shared vocabularies that make inputs and the knowledge base comparable.

Gene symbols (HGNC), protein and genomic variant notation (HGVS, VCF keys, Sequence Ontology
consequences), tumour types (OncoTree, with ICD-10-CM, SNOMED CT, DOID and free-text mapping),
drugs (RxNorm, generic and brand names, regimens), lab units (UCUM) and HPO labels. Every table is
packaged data, loaded once on first use. Importers (`hgnc_import`, `oncotree_import`,
`doid_import`) regenerate the tables from public releases and are not re-exported here.
"""

from integrome.normalize.diseases import (
    ANY,
    SOLID,
    OncoTree,
    OncoTreeNode,
    disease_synonyms,
    doid_to_oncotree,
    map_codings,
    map_diagnosis,
    map_icd10_to_label,
    oncotree,
    oncotree_from_text,
)
from integrome.normalize.drugs import (
    Drug,
    canonical_drug,
    drug_classes,
    drug_names,
    drugs_in_class,
    find_drugs,
)
from integrome.normalize.genes import (
    GeneRecord,
    GeneTable,
    canonical_gene,
    gene_by_hgnc_id,
    gene_record,
    gene_table,
    is_known_gene,
)
from integrome.normalize.phenotypes import hpo_label
from integrome.normalize.units import to_ucum_quantity, ucum_code
from integrome.normalize.variants import (
    ConsequenceCategory,
    GenomicKey,
    ProteinChange,
    consequence_category,
    genomic_key,
    is_protein_altering,
    left_align,
    normalize_chrom,
    parse_protein_change,
    short_protein,
    three_letter_protein,
)

__all__ = [
    "ANY",
    "SOLID",
    "ConsequenceCategory",
    "Drug",
    "GeneRecord",
    "GeneTable",
    "GenomicKey",
    "OncoTree",
    "OncoTreeNode",
    "ProteinChange",
    "canonical_drug",
    "canonical_gene",
    "consequence_category",
    "disease_synonyms",
    "doid_to_oncotree",
    "drug_classes",
    "drug_names",
    "drugs_in_class",
    "find_drugs",
    "gene_by_hgnc_id",
    "gene_record",
    "gene_table",
    "genomic_key",
    "hpo_label",
    "is_known_gene",
    "is_protein_altering",
    "left_align",
    "map_codings",
    "map_diagnosis",
    "map_icd10_to_label",
    "normalize_chrom",
    "oncotree",
    "oncotree_from_text",
    "parse_protein_change",
    "short_protein",
    "three_letter_protein",
    "to_ucum_quantity",
    "ucum_code",
]
