"""Text from which the demo generator writes practices in English, French and Spanish.

Each idea is a kind of policy many member cities really run; the generator places it in a
city, in one of the three languages, with that city's name in the text.
"""

from __future__ import annotations

from typing import TypedDict


class Idea(TypedDict):
    topics: list[str]
    challenges: list[str]
    sdgs: list[int]
    title: dict[str, str]
    summary: dict[str, str]
    subject: dict[str, str]


IDEAS: list[Idea] = [
    {
        "topics": ["participation", "municipal-finance"],
        "challenges": ["social-cohesion", "quality-of-life"],
        "sdgs": [11, 16],
        "title": {
            "en": "Participatory budgeting in {city}",
            "fr": "Budget participatif à {city}",
            "es": "Presupuesto participativo en {city}",
        },
        "summary": {
            "en": "Residents decide how part of the city's investment budget is spent.",
            "fr": "Les habitants décident de l'usage d'une partie du budget d'investissement.",
            "es": "La ciudadanía decide el destino de parte del presupuesto de inversión.",
        },
        "subject": {
            "en": "participatory budgeting",
            "fr": "le budget participatif",
            "es": "el presupuesto participativo",
        },
    },
    {
        "topics": ["safety", "public-space", "mobility"],
        "challenges": ["gender-equality", "quality-of-life"],
        "sdgs": [5, 11],
        "title": {
            "en": "Safe streets for women at night in {city}",
            "fr": "Des rues sûres pour les femmes la nuit à {city}",
            "es": "Calles seguras para las mujeres de noche en {city}",
        },
        "summary": {
            "en": "Exploratory walks, lighting and on-demand bus stops make night travel safer.",
            "fr": "Marches exploratoires, éclairage et arrêts à la demande sécurisent la nuit.",
            "es": "Marchas exploratorias, iluminación y paradas a demanda dan seguridad de noche.",
        },
        "subject": {
            "en": "safe night-time mobility for women",
            "fr": "la mobilité nocturne sûre pour les femmes",
            "es": "la movilidad nocturna segura para las mujeres",
        },
    },
    {
        "topics": ["mobility", "air-quality"],
        "challenges": ["sustainability", "quality-of-life"],
        "sdgs": [3, 11, 13],
        "title": {
            "en": "Bus rapid transit corridor in {city}",
            "fr": "Corridor de bus à haut niveau de service à {city}",
            "es": "Corredor de autobús de tránsito rápido en {city}",
        },
        "summary": {
            "en": "Dedicated lanes and level boarding cut commuting times and emissions.",
            "fr": "Voies réservées et quais de plain-pied réduisent temps de trajet et émissions.",
            "es": "Carriles exclusivos y andenes a nivel reducen tiempos de viaje y emisiones.",
        },
        "subject": {
            "en": "bus rapid transit",
            "fr": "le bus à haut niveau de service",
            "es": "el autobús de tránsito rápido",
        },
    },
    {
        "topics": ["housing", "urban-planning"],
        "challenges": ["social-cohesion", "economic-development"],
        "sdgs": [1, 11],
        "title": {
            "en": "Community land trust for affordable housing in {city}",
            "fr": "Organisme foncier solidaire pour le logement abordable à {city}",
            "es": "Fideicomiso comunitario de suelo para vivienda asequible en {city}",
        },
        "summary": {
            "en": "Land held in common keeps homes affordable for generations.",
            "fr": "Un foncier détenu en commun garde les logements abordables durablement.",
            "es": "El suelo en propiedad común mantiene la vivienda asequible por generaciones.",
        },
        "subject": {
            "en": "affordable housing on community-owned land",
            "fr": "le logement abordable sur un foncier solidaire",
            "es": "la vivienda asequible en suelo comunitario",
        },
    },
    {
        "topics": ["waste", "jobs"],
        "challenges": ["sustainability", "economic-development"],
        "sdgs": [8, 12, 14],
        "title": {
            "en": "Integrating waste pickers into municipal recycling in {city}",
            "fr": "Intégrer les récupérateurs au recyclage municipal à {city}",
            "es": "Integración de recicladores de base en el reciclaje municipal de {city}",
        },
        "summary": {
            "en": "Cooperatives of informal recyclers are paid for the service they provide.",
            "fr": "Des coopératives de récupérateurs sont rémunérées pour leur service.",
            "es": "Las cooperativas de recicladores cobran por el servicio que prestan.",
        },
        "subject": {
            "en": "inclusive recycling",
            "fr": "le recyclage inclusif",
            "es": "el reciclaje inclusivo",
        },
    },
    {
        "topics": ["climate-adaptation", "green-spaces", "water"],
        "challenges": ["sustainability", "quality-of-life"],
        "sdgs": [6, 11, 13],
        "title": {
            "en": "Sponge neighbourhoods against flooding in {city}",
            "fr": "Quartiers éponges contre les inondations à {city}",
            "es": "Barrios esponja contra las inundaciones en {city}",
        },
        "summary": {
            "en": "Rain gardens and permeable paving absorb storm water where it falls.",
            "fr": "Jardins de pluie et revêtements perméables absorbent l'eau sur place.",
            "es": "Jardines de lluvia y pavimentos permeables absorben el agua donde cae.",
        },
        "subject": {
            "en": "nature-based flood protection",
            "fr": "la protection contre les crues fondée sur la nature",
            "es": "la protección contra inundaciones basada en la naturaleza",
        },
    },
    {
        "topics": ["energy", "housing"],
        "challenges": ["sustainability", "quality-of-life"],
        "sdgs": [7, 11, 13],
        "title": {
            "en": "One-stop shop for home energy retrofits in {city}",
            "fr": "Guichet unique de rénovation énergétique à {city}",
            "es": "Ventanilla única de rehabilitación energética en {city}",
        },
        "summary": {
            "en": "Advice, contractors and finance in one place for owners who renovate.",
            "fr": "Conseil, artisans et financement réunis pour les propriétaires qui rénovent.",
            "es": "Asesoría, empresas y financiación en un solo lugar para quien rehabilita.",
        },
        "subject": {
            "en": "energy retrofits of homes",
            "fr": "la rénovation énergétique des logements",
            "es": "la rehabilitación energética de viviendas",
        },
    },
    {
        "topics": ["digital-government", "participation"],
        "challenges": ["quality-of-life", "economic-development"],
        "sdgs": [9, 16],
        "title": {
            "en": "Open data portal and civic tech lab in {city}",
            "fr": "Portail de données ouvertes et laboratoire civique à {city}",
            "es": "Portal de datos abiertos y laboratorio cívico en {city}",
        },
        "summary": {
            "en": "City data published openly, with a lab where residents build services on it.",
            "fr": "Des données publiques ouvertes et un laboratoire pour créer des services.",
            "es": "Datos municipales abiertos y un laboratorio para crear servicios con ellos.",
        },
        "subject": {
            "en": "open government data",
            "fr": "l'ouverture des données publiques",
            "es": "los datos abiertos de gobierno",
        },
    },
    {
        "topics": ["health", "ageing"],
        "challenges": ["quality-of-life", "social-cohesion"],
        "sdgs": [3, 10],
        "title": {
            "en": "Neighbourhood health workers for older residents in {city}",
            "fr": "Agents de santé de quartier pour les aînés à {city}",
            "es": "Agentes de salud de barrio para personas mayores en {city}",
        },
        "summary": {
            "en": "Home visits detect isolation and health risks before they become emergencies.",
            "fr": "Des visites à domicile repèrent isolement et risques avant l'urgence.",
            "es": "Las visitas a domicilio detectan aislamiento y riesgos antes de la urgencia.",
        },
        "subject": {
            "en": "community care for older people",
            "fr": "l'accompagnement de proximité des aînés",
            "es": "el cuidado comunitario de las personas mayores",
        },
    },
    {
        "topics": ["food", "jobs"],
        "challenges": ["sustainability", "economic-development"],
        "sdgs": [2, 12],
        "title": {
            "en": "Urban farming and school canteens supplied locally in {city}",
            "fr": "Agriculture urbaine et cantines scolaires locales à {city}",
            "es": "Agricultura urbana y comedores escolares de proximidad en {city}",
        },
        "summary": {
            "en": "Peri-urban farmers supply public canteens under long-term contracts.",
            "fr": "Les maraîchers périurbains fournissent les cantines sous contrat pluriannuel.",
            "es": "Productores periurbanos abastecen los comedores públicos con contratos largos.",
        },
        "subject": {
            "en": "local food procurement",
            "fr": "l'approvisionnement alimentaire local",
            "es": "la compra pública de alimentos locales",
        },
    },
    {
        "topics": ["migration", "jobs", "education"],
        "challenges": ["social-cohesion", "economic-development"],
        "sdgs": [4, 8, 10],
        "title": {
            "en": "Welcome centre for newcomers in {city}",
            "fr": "Centre d'accueil des nouveaux arrivants à {city}",
            "es": "Centro de acogida para personas recién llegadas en {city}",
        },
        "summary": {
            "en": "Language classes, skills recognition and job coaching under one roof.",
            "fr": "Cours de langue, reconnaissance des compétences et coaching emploi réunis.",
            "es": "Clases de idioma, reconocimiento de competencias y orientación laboral.",
        },
        "subject": {
            "en": "the inclusion of migrants",
            "fr": "l'inclusion des personnes migrantes",
            "es": "la inclusión de las personas migrantes",
        },
    },
    {
        "topics": ["culture", "public-space"],
        "challenges": ["social-cohesion", "quality-of-life"],
        "sdgs": [11, 16],
        "title": {
            "en": "Neighbourhood cultural centres open late in {city}",
            "fr": "Centres culturels de quartier ouverts en soirée à {city}",
            "es": "Centros culturales de barrio con horario nocturno en {city}",
        },
        "summary": {
            "en": "Libraries and cultural centres become safe evening meeting places.",
            "fr": "Bibliothèques et centres culturels deviennent des lieux de rencontre le soir.",
            "es": "Bibliotecas y centros culturales se convierten en lugares de encuentro.",
        },
        "subject": {
            "en": "culture as a neighbourhood meeting place",
            "fr": "la culture comme lieu de rencontre de quartier",
            "es": "la cultura como espacio de encuentro barrial",
        },
    },
    {
        "topics": ["jobs", "education"],
        "challenges": ["gender-equality", "economic-development"],
        "sdgs": [5, 8],
        "title": {
            "en": "Women's entrepreneurship programme in {city}",
            "fr": "Programme d'entrepreneuriat féminin à {city}",
            "es": "Programa de emprendimiento femenino en {city}",
        },
        "summary": {
            "en": "Training, microcredit and childcare help women start and grow businesses.",
            "fr": (
                "Formation, microcrédit et garde d'enfants pour créer et développer une entreprise."
            ),
            "es": "Formación, microcrédito y cuidado infantil para crear y hacer crecer empresas.",
        },
        "subject": {
            "en": "women's entrepreneurship",
            "fr": "l'entrepreneuriat des femmes",
            "es": "el emprendimiento de las mujeres",
        },
    },
    {
        "topics": ["air-quality", "mobility", "health"],
        "challenges": ["sustainability", "quality-of-life"],
        "sdgs": [3, 11],
        "title": {
            "en": "Low-emission zone and school streets in {city}",
            "fr": "Zone à faibles émissions et rues scolaires à {city}",
            "es": "Zona de bajas emisiones y calles escolares en {city}",
        },
        "summary": {
            "en": "Polluting vehicles kept out of the centre and away from school gates.",
            "fr": "Les véhicules polluants sont écartés du centre et des abords des écoles.",
            "es": "Los vehículos contaminantes quedan fuera del centro y lejos de las escuelas.",
        },
        "subject": {
            "en": "cleaner air",
            "fr": "un air plus sain",
            "es": "un aire más limpio",
        },
    },
    {
        "topics": ["water", "health"],
        "challenges": ["quality-of-life", "sustainability"],
        "sdgs": [6, 3],
        "title": {
            "en": "Reducing water losses in the distribution network of {city}",
            "fr": "Réduire les pertes du réseau d'eau potable à {city}",
            "es": "Reducción de pérdidas en la red de agua potable de {city}",
        },
        "summary": {
            "en": "Sectorised networks and leak detection bring water to more households.",
            "fr": "Sectorisation et détection des fuites apportent l'eau à plus de foyers.",
            "es": "La sectorización y la detección de fugas llevan agua a más hogares.",
        },
        "subject": {
            "en": "water network efficiency",
            "fr": "le rendement du réseau d'eau",
            "es": "la eficiencia de la red de agua",
        },
    },
    {
        "topics": ["green-spaces", "climate-adaptation", "health"],
        "challenges": ["sustainability", "quality-of-life"],
        "sdgs": [11, 13, 15],
        "title": {
            "en": "Urban forest and cool islands plan in {city}",
            "fr": "Forêt urbaine et îlots de fraîcheur à {city}",
            "es": "Bosque urbano e islas de frescor en {city}",
        },
        "summary": {
            "en": "Tree planting targets the hottest and least green neighbourhoods first.",
            "fr": "Les plantations visent d'abord les quartiers les plus chauds et minéraux.",
            "es": "La plantación empieza por los barrios más calurosos y con menos verde.",
        },
        "subject": {
            "en": "urban heat adaptation",
            "fr": "l'adaptation à la chaleur urbaine",
            "es": "la adaptación al calor urbano",
        },
    },
    {
        "topics": ["education", "digital-government"],
        "challenges": ["social-cohesion", "gender-equality"],
        "sdgs": [4, 5, 10],
        "title": {
            "en": "Digital skills for girls and older adults in {city}",
            "fr": "Compétences numériques pour les filles et les aînés à {city}",
            "es": "Competencias digitales para niñas y personas mayores en {city}",
        },
        "summary": {
            "en": "Free courses in libraries close the digital divide.",
            "fr": "Des ateliers gratuits en bibliothèque réduisent la fracture numérique.",
            "es": "Talleres gratuitos en bibliotecas reducen la brecha digital.",
        },
        "subject": {
            "en": "digital inclusion",
            "fr": "l'inclusion numérique",
            "es": "la inclusión digital",
        },
    },
    {
        "topics": ["urban-planning", "public-space", "mobility"],
        "challenges": ["quality-of-life", "social-cohesion"],
        "sdgs": [11],
        "title": {
            "en": "Superblocks returning streets to people in {city}",
            "fr": "Des super-îlots qui rendent la rue aux habitants à {city}",
            "es": "Supermanzanas que devuelven la calle a la gente en {city}",
        },
        "summary": {
            "en": "Through traffic moves to the perimeter; inner streets become squares.",
            "fr": "Le transit passe en périphérie; les rues intérieures deviennent des places.",
            "es": "El tráfico de paso va al perímetro; las calles interiores se vuelven plazas.",
        },
        "subject": {
            "en": "people-first streets",
            "fr": "des rues pensées pour les habitants",
            "es": "calles pensadas para las personas",
        },
    },
    {
        "topics": ["municipal-finance", "climate-adaptation"],
        "challenges": ["economic-development", "sustainability"],
        "sdgs": [13, 17],
        "title": {
            "en": "Green bond to finance climate projects in {city}",
            "fr": "Obligation verte pour financer le climat à {city}",
            "es": "Bono verde para financiar proyectos climáticos en {city}",
        },
        "summary": {
            "en": "The city raised long-term finance for climate investments on capital markets.",
            "fr": "La ville lève des fonds de long terme pour ses investissements climatiques.",
            "es": "La ciudad obtiene financiación a largo plazo para inversiones climáticas.",
        },
        "subject": {
            "en": "climate finance",
            "fr": "le financement climatique",
            "es": "la financiación climática",
        },
    },
    {
        "topics": ["safety", "participation"],
        "challenges": ["social-cohesion", "gender-equality"],
        "sdgs": [5, 16],
        "title": {
            "en": "Community mediation against gender-based violence in {city}",
            "fr": "Médiation de proximité contre les violences de genre à {city}",
            "es": "Mediación comunitaria contra la violencia de género en {city}",
        },
        "summary": {
            "en": "Trained neighbourhood mediators and a 24-hour helpline support survivors.",
            "fr": "Des médiatrices formées et une ligne d'écoute 24h/24 soutiennent les victimes.",
            "es": "Mediadoras formadas y una línea 24 horas acompañan a las sobrevivientes.",
        },
        "subject": {
            "en": "preventing gender-based violence",
            "fr": "la prévention des violences de genre",
            "es": "la prevención de la violencia de género",
        },
    },
]

SECTION_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "context": (
            "{city} ({country}) faced growing pressure on {subject}: demand rose faster than "
            "the services the city could offer, and the neighbourhoods most in need were the "
            "least served."
        ),
        "objectives": (
            "Make {subject} a city-wide service within {years} years, reach the most deprived "
            "districts first, and measure progress every year in public."
        ),
        "implementation": (
            "The city set up a small delivery team, worked with neighbourhood associations and "
            "{actors}, piloted in two districts and then scaled up in phases."
        ),
        "results": (
            "After {years} years, around {people} residents benefit directly; satisfaction "
            "surveys and independent evaluation show lasting improvements."
        ),
        "lessons_learned": (
            "Early involvement of residents mattered more than the budget. Keep the first "
            "phase small, publish the data, and protect the team from electoral cycles."
        ),
        "transferability": (
            "A city needs a political sponsor, a dedicated team of three to five people and "
            "partners in civil society. The legal framework is common in most countries."
        ),
    },
    "fr": {
        "context": (
            "{city} ({country}) faisait face à une pression croissante sur {subject} : la "
            "demande augmentait plus vite que l'offre de services, et les quartiers qui en "
            "avaient le plus besoin étaient les moins bien servis."
        ),
        "objectives": (
            "Généraliser {subject} à toute la ville en {years} ans, en commençant par les "
            "quartiers prioritaires, et publier chaque année les progrès réalisés."
        ),
        "implementation": (
            "La ville a créé une petite équipe projet, travaillé avec les associations de "
            "quartier et {actors}, expérimenté dans deux arrondissements puis étendu par étapes."
        ),
        "results": (
            "Après {years} ans, environ {people} habitants en bénéficient directement ; les "
            "enquêtes de satisfaction et une évaluation indépendante montrent des effets durables."
        ),
        "lessons_learned": (
            "Associer tôt les habitants a compté davantage que le budget. Commencer petit, "
            "publier les données et protéger l'équipe des cycles électoraux."
        ),
        "transferability": (
            "Il faut un portage politique, une équipe dédiée de trois à cinq personnes et des "
            "partenaires associatifs. Le cadre juridique existe dans la plupart des pays."
        ),
    },
    "es": {
        "context": (
            "{city} ({country}) enfrentaba una presión creciente sobre {subject}: la demanda "
            "crecía más rápido que los servicios disponibles y los barrios más necesitados "
            "eran los peor atendidos."
        ),
        "objectives": (
            "Extender {subject} a toda la ciudad en {years} años, empezando por los barrios "
            "prioritarios, y publicar cada año los avances."
        ),
        "implementation": (
            "La ciudad creó un pequeño equipo de proyecto, trabajó con las asociaciones "
            "vecinales y {actors}, hizo un piloto en dos distritos y luego lo amplió por fases."
        ),
        "results": (
            "Tras {years} años, unas {people} personas se benefician directamente; las "
            "encuestas y una evaluación independiente muestran mejoras duraderas."
        ),
        "lessons_learned": (
            "Involucrar pronto a la ciudadanía importó más que el presupuesto. Empezar en "
            "pequeño, publicar los datos y proteger al equipo de los ciclos electorales."
        ),
        "transferability": (
            "Hace falta respaldo político, un equipo dedicado de tres a cinco personas y "
            "socios de la sociedad civil. El marco legal existe en la mayoría de los países."
        ),
    },
}

ACTORS: dict[str, list[str]] = {
    "en": ["the regional government", "the national development bank", "local universities"],
    "fr": ["la région", "la banque publique de développement", "les universités locales"],
    "es": ["el gobierno regional", "la banca pública de desarrollo", "las universidades locales"],
}

EXCHANGE_NEEDS: list[tuple[str, list[str], str]] = [
    # (language, challenges, need)
    ("en", ["gender-equality"], "We want to make night-time public transport safer for women."),
    (
        "fr",
        ["sustainability"],
        "Nous cherchons à réduire les inondations par des solutions naturelles.",
    ),
    (
        "es",
        ["social-cohesion"],
        "Queremos poner en marcha un presupuesto participativo por barrios.",
    ),
    ("en", ["economic-development"], "How can informal waste pickers be paid for recycling?"),
    ("fr", ["quality-of-life"], "Nous voulons des îlots de fraîcheur dans les quartiers denses."),
    (
        "es",
        ["sustainability", "quality-of-life"],
        "Buscamos reducir la contaminación del aire cerca de las escuelas.",
    ),
]
