"""Reference tables behind the synthetic data: names, home regencies, destinations, jobs.

Shares are approximations of published KP2MI (formerly BP2MI) placement statistics; see
``docs/synthetic-data.md`` for the figures they follow.
"""

from __future__ import annotations

__all__ = [
    "ANNUAL_PLACEMENTS",
    "BALINESE_ORDER",
    "CONTRACT_MONTHS",
    "COUNTRY_NAMES",
    "DESTINATION_SHARES",
    "HOME_REGENCIES",
    "NAMES",
    "OCCUPATIONS",
    "OCCUPATION_SHARES",
    "PHONE_PREFIXES",
    "TRADITION_MIX",
]

# Placements per departure year (KP2MI/BP2MI annual reports, rounded). Used as the
# distribution of the first departure year.
ANNUAL_PLACEMENTS: dict[int, int] = {
    2015: 275_700,
    2016: 234_500,
    2017: 262_900,
    2018: 283_600,
    2019: 276_600,
    2020: 113_200,
    2021: 72_600,
    2022: 200_800,
    2023: 274_900,
    2024: 297_400,
    2025: 280_000,
}

# Destination shares (ISO alpha-2 -> share of placements), close to the 2024 figures.
DESTINATION_SHARES: dict[str, float] = {
    "HK": 0.280,
    "TW": 0.270,
    "MY": 0.180,
    "JP": 0.070,
    "KR": 0.045,
    "SG": 0.025,
    "SA": 0.015,
    "BN": 0.020,
    "PL": 0.015,
    "IT": 0.012,
    "TR": 0.010,
    "AE": 0.010,
    "QA": 0.008,
    "US": 0.008,
    "KW": 0.006,
    "AU": 0.006,
    "MO": 0.006,
    "DE": 0.005,
    "MV": 0.005,
    "ES": 0.004,
}

# How SISKOP2MI-style extracts spell the destination country.
COUNTRY_NAMES: dict[str, str] = {
    "HK": "HONGKONG",
    "TW": "TAIWAN",
    "MY": "MALAYSIA",
    "JP": "JEPANG",
    "KR": "KOREA SELATAN",
    "SG": "SINGAPURA",
    "SA": "ARAB SAUDI",
    "BN": "BRUNEI DARUSSALAM",
    "PL": "POLANDIA",
    "IT": "ITALIA",
    "TR": "TURKI",
    "AE": "UNI EMIRAT ARAB",
    "QA": "QATAR",
    "US": "AMERIKA SERIKAT",
    "KW": "KUWAIT",
    "AU": "AUSTRALIA",
    "MO": "MAKAU",
    "DE": "JERMAN",
    "MV": "MALADEWA",
    "ES": "SPANYOL",
}

# Canonical occupation -> (label in the placement extract, sector, share of women).
OCCUPATIONS: dict[str, tuple[str, str, float]] = {
    "domestic worker": ("HOUSEKEEPER", "Rumah Tangga", 0.99),
    "caregiver": ("CARETAKER", "Rumah Tangga", 0.92),
    "plantation worker": ("PLANTATION WORKER", "Perkebunan", 0.3),
    "construction worker": ("CONSTRUCTION WORKER", "Konstruksi", 0.02),
    "factory operator": ("OPERATOR PRODUKSI", "Manufaktur", 0.6),
    "fishing crew": ("ABK PERIKANAN", "Perikanan", 0.0),
    "hospitality": ("HOUSEKEEPING HOTEL", "Perhotelan", 0.6),
    "welder": ("WELDER", "Manufaktur", 0.02),
}

_OTHER_JOBS: dict[str, float] = {
    "hospitality": 0.30,
    "factory operator": 0.20,
    "fishing crew": 0.12,
    "welder": 0.13,
    "construction worker": 0.10,
    "caregiver": 0.10,
    "domestic worker": 0.05,
}

# Occupation shares per destination (the rest of the world uses _OTHER_JOBS).
OCCUPATION_SHARES: dict[str, dict[str, float]] = {
    "HK": {"domestic worker": 0.93, "caregiver": 0.07},
    "TW": {
        "caregiver": 0.55,
        "domestic worker": 0.05,
        "factory operator": 0.25,
        "fishing crew": 0.10,
        "construction worker": 0.05,
    },
    "MY": {
        "plantation worker": 0.35,
        "domestic worker": 0.20,
        "factory operator": 0.25,
        "construction worker": 0.15,
        "hospitality": 0.05,
    },
    "JP": {
        "factory operator": 0.45,
        "caregiver": 0.20,
        "construction worker": 0.10,
        "welder": 0.10,
        "hospitality": 0.05,
        "fishing crew": 0.05,
        "plantation worker": 0.05,
    },
    "KR": {
        "factory operator": 0.70,
        "fishing crew": 0.20,
        "construction worker": 0.05,
        "welder": 0.05,
    },
    "SG": {
        "domestic worker": 0.85,
        "caregiver": 0.05,
        "factory operator": 0.05,
        "hospitality": 0.05,
    },
    "SA": {
        "domestic worker": 0.60,
        "hospitality": 0.20,
        "construction worker": 0.10,
        "caregiver": 0.10,
    },
    "BN": {"domestic worker": 0.50, "plantation worker": 0.20, "construction worker": 0.30},
    "MO": {"domestic worker": 0.80, "hospitality": 0.20},
    "*": _OTHER_JOBS,
}

# Typical contract length in months by destination (default 24).
CONTRACT_MONTHS: dict[str, int] = {"HK": 24, "TW": 36, "MY": 24, "JP": 36, "KR": 58, "SG": 24}

# Home regencies (name as in the Kemendagri list without "Kabupaten") -> relative weight.
# The regencies that send most workers; weights follow their rough share of placements.
HOME_REGENCIES: dict[str, float] = {
    "Indramayu": 7.0,
    "Cirebon": 5.0,
    "Lombok Timur": 4.6,
    "Cilacap": 4.3,
    "Lombok Tengah": 3.3,
    "Malang": 2.8,
    "Ponorogo": 2.5,
    "Cianjur": 2.5,
    "Blitar": 2.5,
    "Lampung Timur": 2.5,
    "Banyuwangi": 2.3,
    "Subang": 2.0,
    "Kendal": 2.0,
    "Tulungagung": 2.0,
    "Karawang": 1.8,
    "Sukabumi": 1.8,
    "Jember": 1.6,
    "Kediri": 1.5,
    "Brebes": 1.5,
    "Majalengka": 1.5,
    "Lombok Barat": 1.5,
    "Lampung Tengah": 1.4,
    "Pati": 1.2,
    "Buleleng": 1.2,
    "Trenggalek": 1.0,
    "Madiun": 1.0,
    "Grobogan": 1.0,
    "Kebumen": 1.0,
    "Banyumas": 1.0,
    "Garut": 1.0,
    "Sumbawa": 0.8,
    "Karangasem": 0.8,
    "Deli Serdang": 0.8,
    "Simalungun": 0.7,
    "Toba": 0.5,
    "Tapanuli Utara": 0.5,
}

# Province code -> mixture of naming traditions in households there.
TRADITION_MIX: dict[str, dict[str, float]] = {
    "32": {"sundanese": 0.45, "javanese": 0.15, "muslim": 0.40},
    "33": {"javanese": 0.6, "muslim": 0.4},
    "35": {"javanese": 0.6, "muslim": 0.4},
    "18": {"javanese": 0.55, "muslim": 0.45},
    "52": {"sasak": 1.0},
    "51": {"balinese": 0.95, "muslim": 0.05},
    "12": {"batak": 0.8, "javanese": 0.1, "muslim": 0.1},
}

BALINESE_ORDER: tuple[tuple[str, ...], ...] = (
    ("Putu", "Wayan", "Gede"),
    ("Made", "Kadek", "Nengah"),
    ("Nyoman", "Komang"),
    ("Ketut",),
)

# Name pieces per tradition and sex. Earlier entries are drawn more often (Zipf weights),
# so common names such as "Siti Aminah" recur among different people.
# fmt: off
NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "javanese": {
        "F_mono": (
            "Sumarni", "Suparmi", "Sulastri", "Sumiati", "Wartini", "Karsih", "Tarsih",
            "Darsih", "Rasminah", "Kasmini", "Sunarti", "Painem", "Ngatini", "Juminten",
            "Tukiyem", "Sukarti", "Suwarni", "Lestari", "Wulandari", "Yuliani", "Rumiyati",
            "Suyanti", "Sri", "Endang", "Yanti", "Cahyani", "Susilowati", "Jumiati",
        ),
        "F_first": (
            "Sri", "Tri", "Dwi", "Eka", "Endang", "Dewi", "Yuli", "Rini", "Siti", "Nur",
            "Ani", "Umi",
        ),
        "F_last": (
            "Wahyuni", "Lestari", "Rahayu", "Handayani", "Astuti", "Mulyani", "Suryani",
            "Wahyuningsih", "Utami", "Purwanti", "Susanti", "Rahmawati", "Yuliati",
            "Sulistyowati", "Kusumawati", "Cahyaningsih", "Puji Lestari", "Setyaningsih",
        ),
        "M_mono": (
            "Sutrisno", "Sugeng", "Slamet", "Suparman", "Sukardi", "Paijo", "Karyono",
            "Bambang", "Joko", "Wahyudi", "Sunarto", "Mujiono", "Suyanto", "Riyanto",
            "Sarwono", "Cahyono", "Yanto", "Warsito", "Tukimin", "Jumadi",
        ),
        "M_first": (
            "Agus", "Budi", "Eko", "Joko", "Dwi", "Tri", "Bambang", "Heru", "Arif", "Yudi",
            "Hadi", "Teguh",
        ),
        "M_last": (
            "Santoso", "Prasetyo", "Susilo", "Cahyono", "Wibowo", "Sutrisno", "Purnomo",
            "Setiawan", "Hartono", "Wijaya", "Nugroho", "Saputro", "Kurniawan", "Suyitno",
        ),
    },
    "sundanese": {
        "F_mono": (
            "Euis", "Cucu", "Entin", "Iis", "Enung", "Imas", "Yayah", "Cicih", "Eti",
            "Kokom", "Nining", "Lilis", "Ai", "Neneng", "Dedeh", "Enok", "Onih",
        ),
        "F_first": ("Neneng", "Euis", "Iis", "Ai", "Cucu", "Yeni", "Lilis", "Dedeh", "Enok"),
        "F_last": (
            "Hasanah", "Komariah", "Sugiarti", "Rohmah", "Sumiati", "Mulyani", "Suryani",
            "Kurniasih", "Rohayati", "Nurjanah", "Kartika", "Maryani",
        ),
        "M_mono": ("Ujang", "Asep", "Ajat", "Oding", "Dadang", "Cecep", "Aep", "Engkos"),
        "M_first": ("Asep", "Dede", "Ujang", "Cecep", "Dadang", "Jajang", "Ade", "Aep", "Endang"),
        "M_last": (
            "Saepudin", "Rohmat", "Sopian", "Supriatna", "Suherman", "Nurjaman",
            "Supriyadi", "Saefulloh", "Suhendar", "Hidayat", "Kurniawan",
        ),
    },
    "muslim": {
        "F_mono": ("Aminah", "Fatimah", "Khotijah", "Maryam", "Halimah", "Masitoh", "Juwariyah"),
        "F_first": ("Siti", "Nur", "Nurul", "Ummi", "Dewi", "Sri"),
        "F_last": (
            "Aminah", "Fatimah", "Khotijah", "Maryam", "Rohmah", "Nurhayati", "Halimah",
            "Zubaidah", "Aisyah", "Rahmawati", "Masitoh", "Komariyah", "Jubaedah",
            "Hasanah", "Muslimah", "Mutmainah", "Zulaikha", "Sholihah", "Nafisah",
            "Chotimah", "Khasanah", "Hidayah",
        ),
        "M_mono": ("Sholeh", "Mustofa", "Zainal", "Ridwan", "Syaiful", "Yusuf"),
        "M_first": ("Muhammad", "Ahmad", "Abdul", "Nur", "Muhammad", "Moh"),
        "M_last": (
            "Rizki", "Ridwan", "Yusuf", "Fauzi", "Iqbal", "Hasan", "Soleh", "Syaiful",
            "Hidayat", "Mustofa", "Rohman", "Kholik", "Aziz", "Hadi", "Salim", "Junaedi",
            "Zainuri", "Arifin", "Khoirul Anam", "Syafii",
        ),
    },
    "sasak": {
        "F_mono": (
            "Marniati", "Sahniwati", "Maemunah", "Rukiah", "Hirdayati", "Masnah", "Sumiati",
            "Aminah", "Rohani", "Husnah",
        ),
        "F_first": ("Siti", "Nur", "Baiq", "Baiq", "Sri"),
        "F_last": (
            "Aminah", "Rohani", "Maemunah", "Hartini", "Nurhayati", "Fatimah", "Hasanah",
            "Zahrah", "Mardiana", "Sahnah",
        ),
        "M_mono": ("Sahril", "Saprudin", "Hairul", "Zulkarnain", "Sahnun", "Muhdi", "Rusdi"),
        "M_first": ("Muhammad", "Lalu", "Ahmad", "Lalu", "Abdul"),
        "M_last": (
            "Zaini", "Hairul", "Saprudin", "Sahril", "Hadi", "Rusli", "Hamdi", "Jumaidi",
            "Fahrurrozi", "Muhsin",
        ),
    },
    "balinese": {
        "F_given": (
            "Sriani", "Ariani", "Suastini", "Sukerti", "Ayu Astini", "Wiratni", "Kartini",
            "Darmayanti", "Suarniti", "Yuliantari", "Ayu Lestari", "Sri Wahyuni", "Mariani",
        ),
        "M_given": (
            "Sudarma", "Suarta", "Artawan", "Widiana", "Sukadana", "Budiarta", "Arsana",
            "Adnyana", "Mertayasa", "Suardana", "Agus Suartama", "Darmawan",
        ),
    },
    "batak": {
        "F_given": (
            "Rosmawati", "Tiurma", "Hotmaida", "Lamria", "Sarma", "Nurhayati", "Rotua",
            "Dameria", "Lasmaria", "Mutiara", "Rugun", "Erni", "Masniari",
        ),
        "M_given": (
            "Parlindungan", "Hotman", "Togar", "Sahat", "Binsar", "Maruli", "Poltak",
            "Jonner", "Tigor", "Martua", "Rudi", "Hendra",
        ),
        "marga": (
            "Simanjuntak", "Sitorus", "Siregar", "Nasution", "Situmorang", "Simatupang",
            "Pardede", "Hutagalung", "Sinaga", "Manurung", "Panjaitan", "Sihombing", "Lubis",
            "Harahap", "Tambunan", "Siahaan", "Napitupulu", "Silalahi",
        ),
    },
}

# fmt: on

# Indonesian mobile prefixes (after the leading 0) with a rough market weight.
# fmt: off
PHONE_PREFIXES: dict[str, float] = {
    "812": 8, "813": 6, "811": 2, "821": 5, "822": 5, "823": 3, "852": 6, "853": 4,
    "851": 1, "857": 6, "856": 4, "858": 2, "855": 1, "878": 5, "877": 4, "817": 3,
    "818": 2, "819": 3, "859": 2, "896": 3, "895": 3, "897": 2, "898": 2, "899": 1,
    "881": 1, "882": 1, "838": 2, "831": 1, "832": 1,
}
# fmt: on
