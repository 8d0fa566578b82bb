"""The taxonomy as data: five challenges, the 17 SDGs (official UN short titles) and the topics.

Frozen here, not imported from application code, so the migration means the same thing forever.
Re-running it (or running it on a database that already has rows) updates labels in place.
"""

from django.db import migrations

CHALLENGES = [
    # slug, en, fr, es
    ("social-cohesion", "Social cohesion", "Cohésion sociale", "Cohesión social"),
    ("sustainability", "Sustainability", "Durabilité", "Sostenibilidad"),
    (
        "economic-development",
        "Economic development",
        "Développement économique",
        "Desarrollo económico",
    ),
    ("gender-equality", "Gender equality", "Égalité de genre", "Igualdad de género"),
    ("quality-of-life", "Quality of life", "Qualité de vie", "Calidad de vida"),
]

SDGS = [
    (1, "No poverty", "Pas de pauvreté", "Fin de la pobreza"),
    (2, "Zero hunger", "Faim « zéro »", "Hambre cero"),
    (3, "Good health and well-being", "Bonne santé et bien-être", "Salud y bienestar"),
    (4, "Quality education", "Éducation de qualité", "Educación de calidad"),
    (5, "Gender equality", "Égalité entre les sexes", "Igualdad de género"),
    (
        6,
        "Clean water and sanitation",
        "Eau propre et assainissement",
        "Agua limpia y saneamiento",
    ),
    (
        7,
        "Affordable and clean energy",
        "Énergie propre et d’un coût abordable",
        "Energía asequible y no contaminante",
    ),
    (
        8,
        "Decent work and economic growth",
        "Travail décent et croissance économique",
        "Trabajo decente y crecimiento económico",
    ),
    (
        9,
        "Industry, innovation and infrastructure",
        "Industrie, innovation et infrastructure",
        "Industria, innovación e infraestructura",
    ),
    (10, "Reduced inequalities", "Inégalités réduites", "Reducción de las desigualdades"),
    (
        11,
        "Sustainable cities and communities",
        "Villes et communautés durables",
        "Ciudades y comunidades sostenibles",
    ),
    (
        12,
        "Responsible consumption and production",
        "Consommation et production responsables",
        "Producción y consumo responsables",
    ),
    (
        13,
        "Climate action",
        "Mesures relatives à la lutte contre les changements climatiques",
        "Acción por el clima",
    ),
    (14, "Life below water", "Vie aquatique", "Vida submarina"),
    (15, "Life on land", "Vie terrestre", "Vida de ecosistemas terrestres"),
    (
        16,
        "Peace, justice and strong institutions",
        "Paix, justice et institutions efficaces",
        "Paz, justicia e instituciones sólidas",
    ),
    (
        17,
        "Partnerships for the goals",
        "Partenariats pour la réalisation des objectifs",
        "Alianzas para lograr los objetivos",
    ),
]

TOPICS = [
    ("mobility", "Mobility", "Mobilité", "Movilidad"),
    ("housing", "Housing", "Logement", "Vivienda"),
    ("water", "Water", "Eau", "Agua"),
    ("energy", "Energy", "Énergie", "Energía"),
    ("waste", "Waste", "Déchets", "Residuos"),
    ("public-space", "Public space", "Espace public", "Espacio público"),
    ("participation", "Citizen participation", "Participation citoyenne", "Participación ciudadana"),
    ("digital-government", "Digital government", "Administration numérique", "Gobierno digital"),
    ("health", "Health", "Santé", "Salud"),
    ("safety", "Safety", "Sécurité", "Seguridad"),
    ("culture", "Culture", "Culture", "Cultura"),
    ("jobs", "Jobs and skills", "Emploi et compétences", "Empleo y competencias"),
    (
        "climate-adaptation",
        "Climate adaptation",
        "Adaptation au climat",
        "Adaptación al cambio climático",
    ),
    ("food", "Food systems", "Systèmes alimentaires", "Sistemas alimentarios"),
    ("education", "Education", "Éducation", "Educación"),
    ("green-spaces", "Green spaces", "Espaces verts", "Espacios verdes"),
    ("migration", "Migration and inclusion", "Migration et inclusion", "Migración e inclusión"),
    ("urban-planning", "Urban planning", "Urbanisme", "Planificación urbana"),
    ("municipal-finance", "Municipal finance", "Finances municipales", "Finanzas municipales"),
    ("air-quality", "Air quality", "Qualité de l’air", "Calidad del aire"),
    ("ageing", "Ageing and care", "Vieillissement et soins", "Envejecimiento y cuidados"),
]


def load(apps, schema_editor):
    Challenge = apps.get_model("practices", "Challenge")
    Sdg = apps.get_model("practices", "Sdg")
    Topic = apps.get_model("practices", "Topic")
    for order, (slug, en, fr, es) in enumerate(CHALLENGES, start=1):
        Challenge.objects.update_or_create(
            slug=slug, defaults={"name_en": en, "name_fr": fr, "name_es": es, "order": order}
        )
    for number, en, fr, es in SDGS:
        Sdg.objects.update_or_create(
            number=number, defaults={"title_en": en, "title_fr": fr, "title_es": es}
        )
    for slug, en, fr, es in TOPICS:
        Topic.objects.update_or_create(
            slug=slug, defaults={"name_en": en, "name_fr": fr, "name_es": es}
        )


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
