//! Deterministic synthetic identities for the sandbox (spec §4): clean individuals and
//! organisations from many countries, identities with each data problem the checks look for,
//! tokenized and duplicate identities, and true variants and near misses of names on the bundled
//! sanctions list. Every identity carries `meta_data.sandbox.scenario` so tests and the dashboard
//! can tell what it was built to exercise; none carries a `kyc` key.
//!
//! The generator uses its own splitmix64 PRNG, so the same seed, count, clock and list always give
//! the same identities.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Months, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// Sanctions list (OFAC legacy CSV)

/// One name on the sanctions list, with its aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanctionedName {
    /// The list's `ent_num`.
    pub entity_id: String,
    /// The primary name as listed (`LAST, First Middle` for individuals).
    pub name: String,
    /// Alias names as listed in `alt.csv`.
    pub aliases: Vec<String>,
    /// The first full date of birth in the remarks (`DOB 14 Jun 1968`); partial dates give `None`.
    pub dob: Option<NaiveDate>,
    /// `true` for people, `false` for entities (vessels and aircraft are not loaded).
    pub is_individual: bool,
}

const SAMPLE_SDN: &str = include_str!("../kyc/screening/sample/sdn.csv");
const SAMPLE_ALT: &str = include_str!("../kyc/screening/sample/alt.csv");

/// The bundled sample list.
pub fn sample_sanctioned_names() -> Vec<SanctionedName> {
    parse_sanctioned_names(SAMPLE_SDN, SAMPLE_ALT)
}

/// Parses `sdn.csv` and `alt.csv` text leniently: rows that cannot be read are skipped, never a
/// panic. A row with unbalanced quotes is recovered by a plain comma split when that gives the
/// expected number of fields.
pub fn parse_sanctioned_names(sdn: &str, alt: &str) -> Vec<SanctionedName> {
    let mut out: Vec<SanctionedName> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for line in sdn.lines() {
        let Some(fields) = csv_fields(line, 12) else {
            continue;
        };
        let (Some(id), Some(name)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) || name.is_empty() {
            continue;
        }
        if by_id.contains_key(id) {
            continue;
        }
        let kind = fields
            .get(2)
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default();
        let is_individual = match kind.as_str() {
            "individual" => true,
            "" => false,
            _ => continue, // vessel, aircraft
        };
        let dob = fields.get(11).and_then(|r| remarks_dob(r));
        by_id.insert(id.clone(), out.len());
        out.push(SanctionedName {
            entity_id: id.clone(),
            name: name.clone(),
            aliases: Vec::new(),
            dob,
            is_individual,
        });
    }
    for line in alt.lines() {
        let Some(fields) = csv_fields(line, 5) else {
            continue;
        };
        let (Some(id), Some(alias)) = (fields.first(), fields.get(3)) else {
            continue;
        };
        if alias.is_empty() {
            continue;
        }
        if let Some(entry) = by_id.get(id).and_then(|&i| out.get_mut(i)) {
            if !entry.aliases.contains(alias) {
                entry.aliases.push(alias.clone());
            }
        }
    }
    out
}

/// Splits one CSV line into trimmed fields with `-0-` read as empty. Returns `None` for blank
/// lines and for rows with fewer than three fields even after recovery.
fn csv_fields(raw: &str, expected: usize) -> Option<Vec<String>> {
    let line = raw.trim_end_matches(['\r', '\n', '\u{1a}']);
    if line.trim().is_empty() {
        return None;
    }
    let (mut fields, balanced) = split_quoted(line);
    if !balanced || fields.len() < expected {
        let naive: Vec<String> = line
            .split(',')
            .map(|f| f.trim().trim_matches('"').to_string())
            .collect();
        if naive.len() == expected || fields.len() < 3 {
            fields = naive;
        }
    }
    if fields.len() < 3 {
        return None;
    }
    Some(
        fields
            .into_iter()
            .map(|f| {
                let f = f.trim();
                if f == "-0-" {
                    String::new()
                } else {
                    f.to_string()
                }
            })
            .collect(),
    )
}

/// Quote-aware split. A quote inside a quoted field that is not followed by a comma (or the end)
/// is kept as a literal character. The flag is `false` when a field looked broken.
fn split_quoted(line: &str) -> (Vec<String>, bool) {
    let chars: Vec<char> = line.chars().collect();
    let mut fields = Vec::new();
    let mut balanced = true;
    let mut i = 0;
    loop {
        // skip leading spaces of the field
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let mut field = String::new();
        if i < chars.len() && chars[i] == '"' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                let c = chars[i];
                if c == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        field.push('"');
                        i += 2;
                        continue;
                    }
                    let mut j = i + 1;
                    while j < chars.len() && chars[j] == ' ' {
                        j += 1;
                    }
                    if j >= chars.len() || chars[j] == ',' {
                        i = j;
                        closed = true;
                        break;
                    }
                    balanced = false;
                    field.push('"');
                    i += 1;
                    continue;
                }
                field.push(c);
                i += 1;
            }
            if !closed {
                balanced = false;
            }
        } else {
            while i < chars.len() && chars[i] != ',' {
                if chars[i] == '"' {
                    balanced = false;
                }
                field.push(chars[i]);
                i += 1;
            }
        }
        fields.push(field);
        if i < chars.len() && chars[i] == ',' {
            i += 1;
        } else {
            break;
        }
    }
    (fields, balanced)
}

/// The first full `DOB dd Mon yyyy` in the remarks.
fn remarks_dob(remarks: &str) -> Option<NaiveDate> {
    remarks.split(';').find_map(|part| {
        let value = part.trim().strip_prefix("DOB ")?;
        let value = value.trim().trim_end_matches('.').trim();
        NaiveDate::parse_from_str(value, "%d %b %Y").ok()
    })
}

// ---------------------------------------------------------------------------------------------
// PRNG

/// splitmix64 (Steele, Lea and Flood), enough for reproducible test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    fn range(&mut self, lo: i64, hi_inclusive: i64) -> i64 {
        let span = (hi_inclusive - lo + 1).max(1) as usize;
        lo + self.below(span) as i64
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        self.pick(items).copied().unwrap_or("")
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reference data (invented names, real formats)

/// A naming region: given names by gender and family names.
struct Region {
    male: &'static [&'static str],
    female: &'static [&'static str],
    family: &'static [&'static str],
    street: StreetStyle,
}

#[derive(Clone, Copy)]
enum StreetStyle {
    /// `12 Oak Street`
    NumberFirst(&'static [&'static str]),
    /// `Lindenstraße 12`
    NumberLast(&'static [&'static str]),
}

const ANGLO: Region = Region {
    male: &[
        "James", "Oliver", "William", "Henry", "Thomas", "Jack", "Noah", "Ethan", "Liam", "Daniel",
        "Michael", "Samuel", "Owen", "Lucas", "Connor",
    ],
    female: &[
        "Emma",
        "Olivia",
        "Charlotte",
        "Grace",
        "Sophie",
        "Emily",
        "Hannah",
        "Chloe",
        "Megan",
        "Isla",
        "Abigail",
        "Ruth",
        "Zoe",
        "Harper",
        "Claire",
    ],
    family: &[
        "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Walker", "Robinson", "Wright",
        "Thompson", "Clarke", "Hughes", "Murphy", "Kelly", "O'Brien", "Campbell", "Stewart",
        "Bennett", "Harris", "Fletcher", "Dawson",
    ],
    street: StreetStyle::NumberFirst(&[
        "Maple Avenue",
        "Oak Street",
        "High Street",
        "Church Road",
        "Victoria Road",
        "Park Lane",
        "Elm Street",
        "King Street",
        "Chestnut Drive",
        "Mill Lane",
    ]),
};
const GERMAN: Region = Region {
    male: &[
        "Lukas",
        "Felix",
        "Maximilian",
        "Jonas",
        "Tobias",
        "Florian",
        "Matthias",
        "Stefan",
        "Niklas",
        "Sebastian",
    ],
    female: &[
        "Anna",
        "Lena",
        "Katharina",
        "Johanna",
        "Laura",
        "Franziska",
        "Sabine",
        "Miriam",
        "Ute",
        "Greta",
    ],
    family: &[
        "Schneider",
        "Fischer",
        "Weber",
        "Wagner",
        "Becker",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Richter",
        "Wolf",
        "Schröder",
        "Neumann",
        "Zimmermann",
        "Krüger",
        "Hartmann",
    ],
    street: StreetStyle::NumberLast(&[
        "Lindenstraße",
        "Hauptstraße",
        "Bahnhofstraße",
        "Gartenweg",
        "Schillerstraße",
        "Goethestraße",
        "Birkenweg",
    ]),
};
const FRENCH: Region = Region {
    male: &[
        "Julien",
        "Antoine",
        "Mathieu",
        "Nicolas",
        "Guillaume",
        "Théo",
        "Hugo",
        "Baptiste",
        "Rémi",
        "Étienne",
    ],
    female: &[
        "Camille", "Chloé", "Manon", "Léa", "Juliette", "Élodie", "Margaux", "Pauline", "Céline",
        "Océane",
    ],
    family: &[
        "Bernard",
        "Dubois",
        "Lefort",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Lefèvre",
        "Fontaine",
        "Girard",
        "Rousseau",
        "Lambert",
        "Chevalier",
    ],
    street: StreetStyle::NumberFirst(&[
        "rue des Lilas",
        "avenue Victor Hugo",
        "boulevard Voltaire",
        "rue de la Paix",
        "rue Pasteur",
        "place du Marché",
    ]),
};
const SPANISH: Region = Region {
    male: &[
        "Alejandro",
        "Javier",
        "Diego",
        "Pablo",
        "Sergio",
        "Andrés",
        "Mateo",
        "Santiago",
        "Tomás",
        "Emilio",
    ],
    female: &[
        "Sofía",
        "Valentina",
        "Camila",
        "Isabel",
        "Carmen",
        "Paula",
        "Daniela",
        "Natalia",
        "Elena",
        "Mariana",
    ],
    family: &[
        "García",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Díaz",
        "Torres",
        "Ramírez",
        "Vargas",
        "Morales",
        "Ortiz",
        "Herrera",
        "Navarro",
        "Jiménez",
        "Romero",
    ],
    street: StreetStyle::NumberLast(&[
        "Calle Mayor",
        "Avenida de la Constitución",
        "Calle del Sol",
        "Paseo de la Alameda",
        "Calle de los Olivos",
    ]),
};
const ITALIAN: Region = Region {
    male: &[
        "Marco",
        "Luca",
        "Giovanni",
        "Alessandro",
        "Matteo",
        "Lorenzo",
        "Francesco",
        "Davide",
        "Riccardo",
        "Stefano",
    ],
    female: &[
        "Giulia",
        "Chiara",
        "Francesca",
        "Alessia",
        "Martina",
        "Sara",
        "Elisa",
        "Federica",
        "Silvia",
        "Valeria",
    ],
    family: &[
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
        "Greco", "Bruno", "Gallo", "Conti", "Mancini", "Lombardi",
    ],
    street: StreetStyle::NumberLast(&[
        "Via Roma",
        "Via Garibaldi",
        "Corso Italia",
        "Via Mazzini",
        "Via dei Mille",
    ]),
};
const DUTCH: Region = Region {
    male: &[
        "Daan", "Sem", "Bram", "Thijs", "Ruben", "Joost", "Wouter", "Jeroen", "Maarten", "Koen",
    ],
    female: &[
        "Sanne", "Fleur", "Lotte", "Anouk", "Femke", "Eva", "Iris", "Maud", "Lieke", "Roos",
    ],
    family: &[
        "de Jong",
        "Jansen",
        "de Vries",
        "van den Berg",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "Mulder",
        "de Boer",
        "Dekker",
        "Bos",
        "Vos",
        "Hendriks",
        "Kuipers",
    ],
    street: StreetStyle::NumberLast(&[
        "Kerkstraat",
        "Molenweg",
        "Dorpsstraat",
        "Prinsengracht",
        "Julianalaan",
    ]),
};
const PORTUGUESE: Region = Region {
    male: &[
        "João",
        "Pedro",
        "Tiago",
        "Rafael",
        "Gabriel",
        "Gustavo",
        "Rodrigo",
        "Bruno",
        "Vinícius",
        "Henrique",
    ],
    female: &[
        "Ana", "Mariana", "Inês", "Larissa", "Carolina", "Fernanda", "Juliana", "Leonor", "Rita",
        "Aline",
    ],
    family: &[
        "Santos",
        "Oliveira",
        "Souza",
        "Costa",
        "Pereira",
        "Almeida",
        "Carvalho",
        "Ribeiro",
        "Rodrigues",
        "Gomes",
        "Martins",
        "Araújo",
        "Barbosa",
        "Lopes",
        "Teixeira",
    ],
    street: StreetStyle::NumberLast(&[
        "Rua das Flores",
        "Avenida Atlântica",
        "Rua Augusta",
        "Rua do Comércio",
        "Travessa da Paz",
    ]),
};
const NORDIC: Region = Region {
    male: &[
        "Erik", "Lars", "Anders", "Magnus", "Henrik", "Johan", "Mikkel", "Sven", "Oskar", "Nils",
    ],
    female: &[
        "Ingrid", "Sofie", "Astrid", "Karin", "Maja", "Freja", "Linnea", "Sigrid", "Elin", "Hanna",
    ],
    family: &[
        "Johansson",
        "Andersson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsen",
        "Hansen",
        "Nielsen",
        "Pedersen",
        "Berg",
        "Dahl",
        "Holm",
        "Lund",
        "Strand",
        "Haugen",
    ],
    street: StreetStyle::NumberLast(&[
        "Storgatan",
        "Kirkegata",
        "Strandvejen",
        "Skolegata",
        "Drottninggatan",
    ]),
};
const POLISH: Region = Region {
    male: &[
        "Piotr",
        "Tomasz",
        "Krzysztof",
        "Paweł",
        "Michał",
        "Marcin",
        "Jakub",
        "Kamil",
        "Łukasz",
        "Bartosz",
    ],
    female: &[
        "Agnieszka",
        "Katarzyna",
        "Magdalena",
        "Joanna",
        "Monika",
        "Aleksandra",
        "Ewa",
        "Zofia",
        "Justyna",
        "Dorota",
    ],
    family: &[
        "Nowak",
        "Kowalski",
        "Wiśniewski",
        "Wójcik",
        "Kamiński",
        "Lewandowski",
        "Zieliński",
        "Szymański",
        "Woźniak",
        "Dąbrowski",
    ],
    street: StreetStyle::NumberLast(&[
        "ul. Długa",
        "ul. Kwiatowa",
        "ul. Lipowa",
        "ul. Ogrodowa",
        "ul. Słoneczna",
    ]),
};
const NIGERIAN: Region = Region {
    male: &[
        "Emeka",
        "Oluwaseun",
        "Chinedu",
        "Babatunde",
        "Ifeanyi",
        "Abdullahi",
        "Tunde",
        "Nnamdi",
        "Kelechi",
        "Segun",
    ],
    female: &[
        "Ngozi", "Adaeze", "Folake", "Aisha", "Chiamaka", "Temitope", "Zainab", "Yetunde",
        "Nkechi", "Amaka",
    ],
    family: &[
        "Adeyemi",
        "Okafor",
        "Eze",
        "Nwosu",
        "Balogun",
        "Adebayo",
        "Okeke",
        "Olawale",
        "Danjuma",
        "Obi",
        "Akinola",
        "Ogunleye",
        "Suleiman",
        "Ibekwe",
        "Onyekachi",
    ],
    street: StreetStyle::NumberFirst(&[
        "Adeola Odeku Street",
        "Allen Avenue",
        "Awolowo Road",
        "Ahmadu Bello Way",
        "Herbert Macaulay Way",
    ]),
};
const KENYAN: Region = Region {
    male: &[
        "Brian", "Kevin", "Dennis", "Collins", "Victor", "Joseph", "Moses", "Evans", "Alex",
        "Kipchoge",
    ],
    female: &[
        "Wanjiku", "Akinyi", "Njeri", "Achieng", "Faith", "Mercy", "Esther", "Cynthia", "Purity",
        "Naliaka",
    ],
    family: &[
        "Otieno", "Kariuki", "Njoroge", "Ochieng", "Kiprono", "Wafula", "Mutua", "Odhiambo",
        "Chebet", "Waweru", "Kimani", "Onyango",
    ],
    street: StreetStyle::NumberFirst(&[
        "Moi Avenue",
        "Kenyatta Avenue",
        "Ngong Road",
        "Waiyaki Way",
        "Kimathi Street",
    ]),
};
const GHANAIAN: Region = Region {
    male: &[
        "Kwame", "Kofi", "Kwabena", "Yaw", "Kojo", "Kwaku", "Ebo", "Fiifi", "Kwesi", "Nii",
    ],
    female: &[
        "Ama", "Akosua", "Efua", "Abena", "Adwoa", "Yaa", "Esi", "Afua", "Akua", "Serwaa",
    ],
    family: &[
        "Mensah", "Owusu", "Boateng", "Asante", "Osei", "Agyeman", "Appiah", "Darko", "Quaye",
        "Addo", "Tetteh", "Ofori",
    ],
    street: StreetStyle::NumberFirst(&[
        "Oxford Street",
        "Liberation Road",
        "Ring Road East",
        "Spintex Road",
        "Independence Avenue",
    ]),
};
const SOUTH_AFRICAN: Region = Region {
    male: &[
        "Thabo", "Sipho", "Johan", "Lwazi", "Bongani", "Ruan", "Mandla", "Tshepo", "Jacques",
        "Kagiso",
    ],
    female: &[
        "Nomsa", "Thandi", "Lerato", "Anri", "Zanele", "Naledi", "Karabo", "Elize", "Palesa",
        "Lindiwe",
    ],
    family: &[
        "Nkosi",
        "Dlamini",
        "Botha",
        "van der Merwe",
        "Ndlovu",
        "Mokoena",
        "Pretorius",
        "Khumalo",
        "Steyn",
        "Mahlangu",
        "Venter",
        "Zulu",
    ],
    street: StreetStyle::NumberFirst(&[
        "Long Street",
        "Jan Smuts Avenue",
        "Rivonia Road",
        "Main Road",
        "Church Street",
    ]),
};
const INDIAN: Region = Region {
    male: &[
        "Arjun", "Rohan", "Vikram", "Aditya", "Rahul", "Sanjay", "Karthik", "Nikhil", "Pranav",
        "Amit",
    ],
    female: &[
        "Priya", "Ananya", "Kavya", "Divya", "Sneha", "Pooja", "Meera", "Lakshmi", "Neha", "Aarti",
    ],
    family: &[
        "Sharma",
        "Patel",
        "Iyer",
        "Reddy",
        "Nair",
        "Gupta",
        "Mehta",
        "Rao",
        "Kulkarni",
        "Banerjee",
        "Chatterjee",
        "Menon",
        "Desai",
        "Joshi",
        "Pillai",
    ],
    street: StreetStyle::NumberFirst(&[
        "MG Road",
        "Linking Road",
        "Brigade Road",
        "Park Street",
        "Nehru Place",
    ]),
};
const JAPANESE: Region = Region {
    male: &[
        "Haruto", "Takumi", "Kenji", "Daiki", "Yuto", "Sota", "Riku", "Kaito", "Shota", "Ren",
    ],
    female: &[
        "Yui", "Aoi", "Sakura", "Haruka", "Misaki", "Nanami", "Yuna", "Rin", "Emi", "Ayaka",
    ],
    family: &[
        "Sato",
        "Suzuki",
        "Takahashi",
        "Watanabe",
        "Ito",
        "Yamamoto",
        "Nakamura",
        "Kobayashi",
        "Kato",
        "Yoshida",
        "Yamada",
        "Sasaki",
        "Matsumoto",
        "Inoue",
        "Kimura",
    ],
    street: StreetStyle::NumberFirst(&["Jingumae", "Shibakoen", "Nishishinjuku", "Umeda", "Namba"]),
};
const KOREAN: Region = Region {
    male: &[
        "Min-jun",
        "Seo-jun",
        "Do-yun",
        "Ji-ho",
        "Hyun-woo",
        "Jae-won",
        "Sung-min",
        "Tae-yang",
        "Joon-ho",
        "Dong-hyun",
    ],
    female: &[
        "Seo-yeon", "Ji-woo", "Ha-eun", "Soo-ah", "Min-seo", "Yu-na", "Eun-ji", "Hye-jin", "Da-in",
        "So-yeon",
    ],
    family: &[
        "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Shin",
    ],
    street: StreetStyle::NumberFirst(&[
        "Teheran-ro",
        "Sejong-daero",
        "Gangnam-daero",
        "Haeundae-ro",
        "Jongno",
    ]),
};
const SINGAPOREAN: Region = Region {
    male: &[
        "Jun Hao",
        "Zhi Hao",
        "Kai Xiang",
        "Jia Le",
        "Ethan",
        "Ryan",
        "Marcus",
        "Darren",
        "Benjamin",
        "Sheng",
    ],
    female: &[
        "Hui Min",
        "Xin Yi",
        "Jia Hui",
        "Shu Fen",
        "Li Ting",
        "Rachel",
        "Michelle",
        "Cheryl",
        "Vanessa",
        "Gwendolyn",
    ],
    family: &[
        "Tan", "Lim", "Lee", "Ng", "Ong", "Goh", "Chua", "Koh", "Teo", "Chan", "Wong", "Leong",
    ],
    street: StreetStyle::NumberFirst(&[
        "Orchard Road",
        "Tampines Avenue 5",
        "Bukit Timah Road",
        "Ang Mo Kio Avenue 3",
        "Jurong West Street 42",
    ]),
};
const FILIPINO: Region = Region {
    male: &[
        "Jose", "Mark", "Carlo", "Miguel", "Rafael", "Paolo", "Enrico", "Jericho", "Angelo",
        "Ramil",
    ],
    female: &[
        "Angelica", "Kristine", "Joy", "Patricia", "Camille", "Bea", "Andrea", "Jasmine", "Rowena",
        "Maricel",
    ],
    family: &[
        "Santos",
        "Reyes",
        "Cruz",
        "Bautista",
        "Ocampo",
        "Aquino",
        "Villanueva",
        "Ramos",
        "Castillo",
        "Dela Cruz",
        "Soriano",
        "Tolentino",
    ],
    street: StreetStyle::NumberFirst(&[
        "Ayala Avenue",
        "Rizal Street",
        "Mabini Street",
        "Katipunan Avenue",
        "Osmeña Boulevard",
    ]),
};
const INDONESIAN: Region = Region {
    male: &[
        "Budi", "Agus", "Rizky", "Dimas", "Fajar", "Bayu", "Andi", "Hendra", "Yoga", "Wahyu",
    ],
    female: &[
        "Siti", "Dewi", "Putri", "Ayu", "Rina", "Intan", "Wulan", "Fitri", "Nurul", "Kartika",
    ],
    family: &[
        "Santoso", "Wijaya", "Pratama", "Saputra", "Hidayat", "Kusuma", "Setiawan", "Nugroho",
        "Halim", "Gunawan", "Susanto", "Wibowo",
    ],
    street: StreetStyle::NumberLast(&[
        "Jalan Sudirman",
        "Jalan Thamrin",
        "Jalan Gatot Subroto",
        "Jalan Diponegoro",
        "Jalan Pemuda",
    ]),
};
const ARABIC: Region = Region {
    male: &[
        "Omar", "Khalid", "Ahmed", "Hassan", "Karim", "Mahmoud", "Rami", "Ziad", "Faisal", "Nabil",
    ],
    female: &[
        "Fatima", "Mariam", "Layla", "Noura", "Salma", "Hana", "Rania", "Dina", "Yasmin", "Amira",
    ],
    family: &[
        "Mansour",
        "Khalil",
        "Nasser",
        "Saleh",
        "El-Sayed",
        "Hamdi",
        "Farouk",
        "Aziz",
        "Shehata",
        "Darwish",
        "Al-Mansoori",
        "Al-Zaabi",
    ],
    street: StreetStyle::NumberFirst(&[
        "Sheikh Zayed Road",
        "Al Wasl Road",
        "Tahrir Street",
        "Corniche Road",
        "Al Khaleej Street",
    ]),
};
const TURKISH: Region = Region {
    male: &[
        "Mehmet", "Emre", "Burak", "Can", "Murat", "Kerem", "Oğuz", "Serkan", "Onur", "Barış",
    ],
    female: &[
        "Elif", "Zeynep", "Ayşe", "Merve", "Selin", "Deniz", "Ebru", "Gizem", "Esra", "Derya",
    ],
    family: &[
        "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan",
        "Doğan", "Kılıç", "Koç",
    ],
    street: StreetStyle::NumberLast(&[
        "İstiklal Caddesi",
        "Atatürk Bulvarı",
        "Bağdat Caddesi",
        "Cumhuriyet Caddesi",
    ]),
};

/// A country the generator places people and companies in, with its phone and address formats.
struct Country {
    alpha2: &'static str,
    alpha3: &'static str,
    name: &'static str,
    region: &'static Region,
    /// E.164 country calling code, digits only.
    calling_code: &'static str,
    /// Leading digits of mobile numbers after the calling code.
    mobile_prefixes: &'static [&'static str],
    /// Length of the national significant number.
    nsn_len: usize,
    /// City, state/region, post code pattern (`#` digit, `@` letter).
    cities: &'static [(&'static str, &'static str, &'static str)],
    /// Top-level domain for company email addresses.
    tld: &'static str,
    /// Local email providers, used next to the global ones.
    mail: &'static [&'static str],
    /// Company legal-form suffixes.
    legal: &'static [&'static str],
}

const COUNTRIES: &[Country] = &[
    Country {
        alpha2: "US",
        alpha3: "USA",
        name: "United States",
        region: &ANGLO,
        calling_code: "1",
        mobile_prefixes: &["212", "415", "312", "617", "206", "303", "512", "404"],
        nsn_len: 10,
        cities: &[
            ("New York", "NY", "100##"),
            ("San Francisco", "CA", "941##"),
            ("Chicago", "IL", "606##"),
            ("Boston", "MA", "021##"),
            ("Seattle", "WA", "981##"),
            ("Austin", "TX", "787##"),
        ],
        tld: "com",
        mail: &["aol.com", "comcast.net"],
        legal: &["LLC", "Inc."],
    },
    Country {
        alpha2: "CA",
        alpha3: "CAN",
        name: "Canada",
        region: &ANGLO,
        calling_code: "1",
        mobile_prefixes: &["416", "604", "514", "403", "613"],
        nsn_len: 10,
        cities: &[
            ("Toronto", "ON", "M#@ #@#"),
            ("Vancouver", "BC", "V#@ #@#"),
            ("Montreal", "QC", "H#@ #@#"),
            ("Calgary", "AB", "T#@ #@#"),
        ],
        tld: "ca",
        mail: &["rogers.com", "shaw.ca"],
        legal: &["Inc.", "Ltd."],
    },
    Country {
        alpha2: "GB",
        alpha3: "GBR",
        name: "United Kingdom",
        region: &ANGLO,
        calling_code: "44",
        mobile_prefixes: &["77", "78", "79", "74", "75"],
        nsn_len: 10,
        cities: &[
            ("London", "England", "N# #@@"),
            ("Manchester", "England", "M## #@@"),
            ("Edinburgh", "Scotland", "EH# #@@"),
            ("Bristol", "England", "BS# #@@"),
            ("Cardiff", "Wales", "CF## #@@"),
        ],
        tld: "co.uk",
        mail: &["btinternet.com", "sky.com"],
        legal: &["Ltd", "Limited"],
    },
    Country {
        alpha2: "IE",
        alpha3: "IRL",
        name: "Ireland",
        region: &ANGLO,
        calling_code: "353",
        mobile_prefixes: &["83", "85", "86", "87"],
        nsn_len: 9,
        cities: &[
            ("Dublin", "Co. Dublin", "D0# @###"),
            ("Cork", "Co. Cork", "T12 @###"),
            ("Galway", "Co. Galway", "H91 @###"),
        ],
        tld: "ie",
        mail: &["eircom.net"],
        legal: &["Ltd", "DAC"],
    },
    Country {
        alpha2: "AU",
        alpha3: "AUS",
        name: "Australia",
        region: &ANGLO,
        calling_code: "61",
        mobile_prefixes: &["4"],
        nsn_len: 9,
        cities: &[
            ("Sydney", "NSW", "20##"),
            ("Melbourne", "VIC", "30##"),
            ("Brisbane", "QLD", "40##"),
            ("Perth", "WA", "60##"),
        ],
        tld: "com.au",
        mail: &["bigpond.com"],
        legal: &["Pty Ltd"],
    },
    Country {
        alpha2: "NZ",
        alpha3: "NZL",
        name: "New Zealand",
        region: &ANGLO,
        calling_code: "64",
        mobile_prefixes: &["21", "22", "27"],
        nsn_len: 9,
        cities: &[
            ("Auckland", "Auckland", "10##"),
            ("Wellington", "Wellington", "60##"),
            ("Christchurch", "Canterbury", "80##"),
        ],
        tld: "co.nz",
        mail: &["xtra.co.nz"],
        legal: &["Limited"],
    },
    Country {
        alpha2: "DE",
        alpha3: "DEU",
        name: "Germany",
        region: &GERMAN,
        calling_code: "49",
        mobile_prefixes: &["151", "160", "170", "176"],
        nsn_len: 11,
        cities: &[
            ("Berlin", "Berlin", "10###"),
            ("München", "Bayern", "80###"),
            ("Hamburg", "Hamburg", "20###"),
            ("Köln", "Nordrhein-Westfalen", "50###"),
        ],
        tld: "de",
        mail: &["web.de", "gmx.de", "t-online.de"],
        legal: &["GmbH", "AG"],
    },
    Country {
        alpha2: "CH",
        alpha3: "CHE",
        name: "Switzerland",
        region: &GERMAN,
        calling_code: "41",
        mobile_prefixes: &["76", "77", "78", "79"],
        nsn_len: 9,
        cities: &[
            ("Zürich", "ZH", "80##"),
            ("Bern", "BE", "30##"),
            ("Basel", "BS", "40##"),
        ],
        tld: "ch",
        mail: &["bluewin.ch"],
        legal: &["AG", "GmbH"],
    },
    Country {
        alpha2: "FR",
        alpha3: "FRA",
        name: "France",
        region: &FRENCH,
        calling_code: "33",
        mobile_prefixes: &["6", "7"],
        nsn_len: 9,
        cities: &[
            ("Paris", "Île-de-France", "750##"),
            ("Lyon", "Auvergne-Rhône-Alpes", "6900#"),
            ("Marseille", "Provence-Alpes-Côte d'Azur", "130##"),
            ("Toulouse", "Occitanie", "310##"),
        ],
        tld: "fr",
        mail: &["orange.fr", "free.fr", "laposte.net"],
        legal: &["SARL", "SAS"],
    },
    Country {
        alpha2: "ES",
        alpha3: "ESP",
        name: "Spain",
        region: &SPANISH,
        calling_code: "34",
        mobile_prefixes: &["6"],
        nsn_len: 9,
        cities: &[
            ("Madrid", "Madrid", "280##"),
            ("Barcelona", "Cataluña", "080##"),
            ("Valencia", "Comunidad Valenciana", "460##"),
            ("Sevilla", "Andalucía", "410##"),
        ],
        tld: "es",
        mail: &["telefonica.net"],
        legal: &["S.L.", "S.A."],
    },
    Country {
        alpha2: "MX",
        alpha3: "MEX",
        name: "Mexico",
        region: &SPANISH,
        calling_code: "52",
        mobile_prefixes: &["55", "33", "81"],
        nsn_len: 10,
        cities: &[
            ("Ciudad de México", "CDMX", "06###"),
            ("Guadalajara", "Jalisco", "44###"),
            ("Monterrey", "Nuevo León", "64###"),
        ],
        tld: "com.mx",
        mail: &["prodigy.net.mx"],
        legal: &["S.A. de C.V."],
    },
    Country {
        alpha2: "AR",
        alpha3: "ARG",
        name: "Argentina",
        region: &SPANISH,
        calling_code: "54",
        mobile_prefixes: &["911"],
        nsn_len: 11,
        cities: &[
            ("Buenos Aires", "CABA", "C1###@@@"),
            ("Córdoba", "Córdoba", "X5###@@@"),
            ("Rosario", "Santa Fe", "S2###@@@"),
        ],
        tld: "com.ar",
        mail: &["fibertel.com.ar"],
        legal: &["S.R.L.", "S.A."],
    },
    Country {
        alpha2: "CO",
        alpha3: "COL",
        name: "Colombia",
        region: &SPANISH,
        calling_code: "57",
        mobile_prefixes: &["300", "310", "315", "320"],
        nsn_len: 10,
        cities: &[
            ("Bogotá", "Cundinamarca", "110###"),
            ("Medellín", "Antioquia", "050###"),
            ("Cali", "Valle del Cauca", "760###"),
        ],
        tld: "com.co",
        mail: &["une.net.co"],
        legal: &["S.A.S."],
    },
    Country {
        alpha2: "CL",
        alpha3: "CHL",
        name: "Chile",
        region: &SPANISH,
        calling_code: "56",
        mobile_prefixes: &["9"],
        nsn_len: 9,
        cities: &[
            ("Santiago", "Región Metropolitana", "75#####"),
            ("Valparaíso", "Valparaíso", "23#####"),
        ],
        tld: "cl",
        mail: &["vtr.net"],
        legal: &["SpA", "Ltda."],
    },
    Country {
        alpha2: "IT",
        alpha3: "ITA",
        name: "Italy",
        region: &ITALIAN,
        calling_code: "39",
        mobile_prefixes: &["32", "33", "34", "35"],
        nsn_len: 10,
        cities: &[
            ("Roma", "Lazio", "001##"),
            ("Milano", "Lombardia", "201##"),
            ("Torino", "Piemonte", "101##"),
            ("Napoli", "Campania", "801##"),
        ],
        tld: "it",
        mail: &["libero.it", "virgilio.it"],
        legal: &["S.r.l.", "S.p.A."],
    },
    Country {
        alpha2: "NL",
        alpha3: "NLD",
        name: "Netherlands",
        region: &DUTCH,
        calling_code: "31",
        mobile_prefixes: &["6"],
        nsn_len: 9,
        cities: &[
            ("Amsterdam", "Noord-Holland", "10## @@"),
            ("Rotterdam", "Zuid-Holland", "30## @@"),
            ("Utrecht", "Utrecht", "35## @@"),
        ],
        tld: "nl",
        mail: &["ziggo.nl", "kpnmail.nl"],
        legal: &["B.V."],
    },
    Country {
        alpha2: "PT",
        alpha3: "PRT",
        name: "Portugal",
        region: &PORTUGUESE,
        calling_code: "351",
        mobile_prefixes: &["91", "92", "93", "96"],
        nsn_len: 9,
        cities: &[
            ("Lisboa", "Lisboa", "1###-###"),
            ("Porto", "Porto", "4###-###"),
            ("Braga", "Braga", "47##-###"),
        ],
        tld: "pt",
        mail: &["sapo.pt"],
        legal: &["Lda."],
    },
    Country {
        alpha2: "BR",
        alpha3: "BRA",
        name: "Brazil",
        region: &PORTUGUESE,
        calling_code: "55",
        mobile_prefixes: &["119", "219", "319"],
        nsn_len: 11,
        cities: &[
            ("São Paulo", "SP", "0####-###"),
            ("Rio de Janeiro", "RJ", "2####-###"),
            ("Belo Horizonte", "MG", "3####-###"),
        ],
        tld: "com.br",
        mail: &["uol.com.br", "bol.com.br"],
        legal: &["Ltda."],
    },
    Country {
        alpha2: "SE",
        alpha3: "SWE",
        name: "Sweden",
        region: &NORDIC,
        calling_code: "46",
        mobile_prefixes: &["70", "72", "73"],
        nsn_len: 9,
        cities: &[
            ("Stockholm", "Stockholm", "1## ##"),
            ("Göteborg", "Västra Götaland", "4## ##"),
            ("Malmö", "Skåne", "2## ##"),
        ],
        tld: "se",
        mail: &["telia.com"],
        legal: &["AB"],
    },
    Country {
        alpha2: "NO",
        alpha3: "NOR",
        name: "Norway",
        region: &NORDIC,
        calling_code: "47",
        mobile_prefixes: &["4", "9"],
        nsn_len: 8,
        cities: &[
            ("Oslo", "Oslo", "0###"),
            ("Bergen", "Vestland", "5###"),
            ("Trondheim", "Trøndelag", "7###"),
        ],
        tld: "no",
        mail: &["online.no"],
        legal: &["AS"],
    },
    Country {
        alpha2: "DK",
        alpha3: "DNK",
        name: "Denmark",
        region: &NORDIC,
        calling_code: "45",
        mobile_prefixes: &["2", "3"],
        nsn_len: 8,
        cities: &[
            ("København", "Hovedstaden", "1###"),
            ("Aarhus", "Midtjylland", "8###"),
            ("Odense", "Syddanmark", "5###"),
        ],
        tld: "dk",
        mail: &["mail.dk"],
        legal: &["ApS", "A/S"],
    },
    Country {
        alpha2: "PL",
        alpha3: "POL",
        name: "Poland",
        region: &POLISH,
        calling_code: "48",
        mobile_prefixes: &["5", "6", "7"],
        nsn_len: 9,
        cities: &[
            ("Warszawa", "Mazowieckie", "00-###"),
            ("Kraków", "Małopolskie", "30-###"),
            ("Gdańsk", "Pomorskie", "80-###"),
        ],
        tld: "pl",
        mail: &["wp.pl", "onet.pl"],
        legal: &["Sp. z o.o."],
    },
    Country {
        alpha2: "NG",
        alpha3: "NGA",
        name: "Nigeria",
        region: &NIGERIAN,
        calling_code: "234",
        mobile_prefixes: &["803", "806", "813", "703", "905"],
        nsn_len: 10,
        cities: &[
            ("Lagos", "Lagos", "1012##"),
            ("Abuja", "FCT", "9000##"),
            ("Enugu", "Enugu", "4000##"),
            ("Ibadan", "Oyo", "2001##"),
        ],
        tld: "com.ng",
        mail: &["yahoo.co.uk"],
        legal: &["Ltd", "Nigeria Limited"],
    },
    Country {
        alpha2: "KE",
        alpha3: "KEN",
        name: "Kenya",
        region: &KENYAN,
        calling_code: "254",
        mobile_prefixes: &["7"],
        nsn_len: 9,
        cities: &[
            ("Nairobi", "Nairobi", "00###"),
            ("Mombasa", "Mombasa", "80###"),
            ("Kisumu", "Kisumu", "40###"),
        ],
        tld: "co.ke",
        mail: &["yahoo.com"],
        legal: &["Limited"],
    },
    Country {
        alpha2: "GH",
        alpha3: "GHA",
        name: "Ghana",
        region: &GHANAIAN,
        calling_code: "233",
        mobile_prefixes: &["24", "20", "54"],
        nsn_len: 9,
        cities: &[
            ("Accra", "Greater Accra", "GA-###-####"),
            ("Kumasi", "Ashanti", "AK-###-####"),
        ],
        tld: "com.gh",
        mail: &["yahoo.com"],
        legal: &["Ltd"],
    },
    Country {
        alpha2: "ZA",
        alpha3: "ZAF",
        name: "South Africa",
        region: &SOUTH_AFRICAN,
        calling_code: "27",
        mobile_prefixes: &["82", "83", "72", "71"],
        nsn_len: 9,
        cities: &[
            ("Johannesburg", "Gauteng", "2###"),
            ("Cape Town", "Western Cape", "8###"),
            ("Durban", "KwaZulu-Natal", "4###"),
        ],
        tld: "co.za",
        mail: &["mweb.co.za"],
        legal: &["(Pty) Ltd"],
    },
    Country {
        alpha2: "IN",
        alpha3: "IND",
        name: "India",
        region: &INDIAN,
        calling_code: "91",
        mobile_prefixes: &["98", "97", "90", "81"],
        nsn_len: 10,
        cities: &[
            ("Mumbai", "Maharashtra", "4000##"),
            ("Bengaluru", "Karnataka", "5600##"),
            ("New Delhi", "Delhi", "1100##"),
            ("Chennai", "Tamil Nadu", "6000##"),
        ],
        tld: "in",
        mail: &["rediffmail.com"],
        legal: &["Pvt. Ltd."],
    },
    Country {
        alpha2: "JP",
        alpha3: "JPN",
        name: "Japan",
        region: &JAPANESE,
        calling_code: "81",
        mobile_prefixes: &["90", "80", "70"],
        nsn_len: 10,
        cities: &[
            ("Tokyo", "Tokyo", "1##-####"),
            ("Osaka", "Osaka", "5##-####"),
            ("Fukuoka", "Fukuoka", "81#-####"),
        ],
        tld: "co.jp",
        mail: &["docomo.ne.jp"],
        legal: &["K.K."],
    },
    Country {
        alpha2: "KR",
        alpha3: "KOR",
        name: "South Korea",
        region: &KOREAN,
        calling_code: "82",
        mobile_prefixes: &["10"],
        nsn_len: 10,
        cities: &[
            ("Seoul", "Seoul", "0####"),
            ("Busan", "Busan", "4####"),
            ("Incheon", "Incheon", "2####"),
        ],
        tld: "co.kr",
        mail: &["naver.com"],
        legal: &["Co., Ltd."],
    },
    Country {
        alpha2: "SG",
        alpha3: "SGP",
        name: "Singapore",
        region: &SINGAPOREAN,
        calling_code: "65",
        mobile_prefixes: &["8", "9"],
        nsn_len: 8,
        cities: &[
            ("Singapore", "Central Region", "######"),
            ("Singapore", "East Region", "5#####"),
        ],
        tld: "com.sg",
        mail: &["singnet.com.sg"],
        legal: &["Pte. Ltd."],
    },
    Country {
        alpha2: "PH",
        alpha3: "PHL",
        name: "Philippines",
        region: &FILIPINO,
        calling_code: "63",
        mobile_prefixes: &["917", "918", "927"],
        nsn_len: 10,
        cities: &[
            ("Manila", "Metro Manila", "10##"),
            ("Cebu City", "Cebu", "600#"),
            ("Davao City", "Davao del Sur", "800#"),
        ],
        tld: "com.ph",
        mail: &["yahoo.com.ph"],
        legal: &["Inc.", "Corp."],
    },
    Country {
        alpha2: "ID",
        alpha3: "IDN",
        name: "Indonesia",
        region: &INDONESIAN,
        calling_code: "62",
        mobile_prefixes: &["812", "813", "857"],
        nsn_len: 11,
        cities: &[
            ("Jakarta", "DKI Jakarta", "10###"),
            ("Surabaya", "Jawa Timur", "60###"),
            ("Bandung", "Jawa Barat", "40###"),
        ],
        tld: "co.id",
        mail: &["yahoo.co.id"],
        legal: &["Tbk"],
    },
    Country {
        alpha2: "AE",
        alpha3: "ARE",
        name: "United Arab Emirates",
        region: &ARABIC,
        calling_code: "971",
        mobile_prefixes: &["50", "52", "55"],
        nsn_len: 9,
        cities: &[("Dubai", "Dubai", ""), ("Sharjah", "Sharjah", "")],
        tld: "ae",
        mail: &["emirates.net.ae"],
        legal: &["LLC", "FZ-LLC"],
    },
    Country {
        alpha2: "EG",
        alpha3: "EGY",
        name: "Egypt",
        region: &ARABIC,
        calling_code: "20",
        mobile_prefixes: &["10", "11", "12"],
        nsn_len: 10,
        cities: &[
            ("Cairo", "Cairo", "11###"),
            ("Alexandria", "Alexandria", "21###"),
            ("Giza", "Giza", "12###"),
        ],
        tld: "com.eg",
        mail: &["yahoo.com"],
        legal: &["S.A.E."],
    },
    Country {
        alpha2: "TR",
        alpha3: "TUR",
        name: "Turkey",
        region: &TURKISH,
        calling_code: "90",
        mobile_prefixes: &["532", "533", "542", "555"],
        nsn_len: 10,
        cities: &[
            ("İstanbul", "İstanbul", "34###"),
            ("Ankara", "Ankara", "06###"),
            ("İzmir", "İzmir", "35###"),
        ],
        tld: "com.tr",
        mail: &["hotmail.com.tr"],
        legal: &["A.Ş.", "Ltd. Şti."],
    },
];

/// Countries written out by name in the `country_name` scenario.
const NAMED_COUNTRIES: &[&str] = &["NG", "GB", "DE", "KE", "BR", "FR", "ZA", "CA"];

const GLOBAL_MAIL: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "proton.me",
    "icloud.com",
    "hotmail.com",
];

const COMPANY_WORDS: &[&str] = &[
    "Bright",
    "Summit",
    "Lakeside",
    "Cedar",
    "Evergreen",
    "Harbourview",
    "Maple",
    "Granite",
    "Sunrise",
    "Oakwood",
    "Clearwater",
    "Highland",
    "Copperleaf",
    "Stonebridge",
    "Westfield",
    "Bluebird",
    "Juniper",
    "Willow",
    "Orchard",
    "Beacon",
];
const COMPANY_TRADES: &[&str] = &[
    "Bakery",
    "Dental Clinic",
    "Textiles",
    "Farms",
    "Builders",
    "Pharmacy",
    "Consulting",
    "Design Studio",
    "Furniture",
    "Software",
    "Foods",
    "Motors",
    "Printing",
    "Travel",
    "Engineering",
    "Apparel",
    "Coffee Roasters",
    "Analytics",
    "Interiors",
    "Veterinary Care",
];

/// Places that are no country at all.
const UNMAPPABLE_COUNTRIES: &[&str] = &[
    "Atlantis", "Wakanda", "Narnia", "Elbonia", "Genovia", "Zubrowka", "Latveria",
];

// ---------------------------------------------------------------------------------------------
// Text helpers

/// Folds the accents and special letters the generated and listed names use to ASCII.
fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ď' | 'đ' => "d",
        'Ď' | 'Đ' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ğ' => "g",
        'Ğ' => "G",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => "I",
        'ł' => "l",
        'Ł' => "L",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ř' => "r",
        'Ř' => "R",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'þ' => "th",
        'Þ' => "TH",
        _ => return None,
    })
}

/// `s` with accents removed (case kept).
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match fold_char(c) {
            Some(f) => out.push_str(f),
            None => out.push(c),
        }
    }
    out
}

/// Lower-case ASCII letters and digits only (for email local parts and domains).
fn slug(s: &str) -> String {
    fold(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Comparison tokens: folded, lower case, split on anything that is not a letter or digit.
fn name_tokens(s: &str) -> Vec<String> {
    fold(&s.replace('\'', ""))
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

const PARTICLES: &[&str] = &[
    "al", "el", "ul", "abu", "abd", "bin", "ibn", "bint", "da", "de", "del", "der", "di", "do",
    "dos", "das", "du", "la", "le", "van", "von", "y", "the", "of", "and",
];
const LEGAL_FORMS: &[&str] = &[
    "ltd", "llc", "l", "c", "inc", "co", "corp", "jsc", "fze", "sa", "s", "a", "sas", "plc",
    "gmbh", "ag", "bv", "limited", "company", "pte", "pty",
];
/// Business words too generic to carry a near miss on their own.
const GENERIC_WORDS: &[&str] = &[
    "trading",
    "holdings",
    "group",
    "services",
    "partners",
    "capital",
    "technologies",
    "shipping",
    "energy",
    "foundation",
    "charitable",
    "maritime",
    "mining",
    "logistics",
    "exports",
    "bank",
    "banco",
    "general",
    "marine",
    "society",
    "relief",
    "international",
    "river",
    "caribe",
];

fn is_significant(token: &str) -> bool {
    token.chars().count() >= 2 && !PARTICLES.contains(&token) && !LEGAL_FORMS.contains(&token)
}

fn significant_tokens(s: &str) -> Vec<String> {
    name_tokens(s)
        .into_iter()
        .filter(|t| is_significant(t))
        .collect()
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4, boost above Jaro 0.7).
fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() || b.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_hit = vec![false; a.len()];
    let mut b_hit = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_hit[j] && b[j] == *ca {
                a_hit[i] = true;
                b_hit[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_seq = a.iter().zip(&a_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let b_seq = b.iter().zip(&b_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let transpositions = a_seq.zip(b_seq).filter(|(x, y)| x != y).count() / 2;
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0;
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// `VOLKANOV` → `Volkanov`, `AL-RASHIDI` → `Al-Rashidi`, `O'NEIL` → `O'Neil`.
fn title_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if c.is_alphabetic() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
    out
}

/// Title case for a person's name part, keeping inner particles lower case (`da Silva`).
fn title_person(part: &str) -> String {
    part.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i > 0 && PARTICLES.contains(&lower.as_str()) {
                lower
            } else {
                title_word(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Title case for a company name, keeping dotted abbreviations and short legal forms as listed.
fn title_company(name: &str) -> String {
    name.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let letters: String = w.chars().filter(|c| c.is_alphabetic()).collect();
            let lower = letters.to_lowercase();
            let dotted = w.trim_end_matches([',', '.']).contains('.');
            if dotted || matches!(lower.as_str(), "llc" | "jsc" | "fze" | "plc" | "sa") {
                w.to_string()
            } else if i > 0 && PARTICLES.contains(&lower.as_str()) && letters.len() == w.len() {
                lower
            } else {
                title_word(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A listed individual's name split into given names and family name (`LAST, First Middle`).
fn split_listed_person(name: &str) -> (Vec<String>, String) {
    match name.split_once(',') {
        Some((family, given)) => (
            given
                .split_whitespace()
                .map(title_person)
                .collect::<Vec<_>>(),
            title_person(family.trim()),
        ),
        None => (Vec::new(), title_person(name.trim())),
    }
}

/// Fills a pattern: `#` a digit, `@` an upper-case letter.
fn fill_pattern(rng: &mut Rng, pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '#' => char::from(b'0' + rng.below(10) as u8),
            '@' => char::from(b'A' + rng.below(26) as u8),
            other => other,
        })
        .collect()
}

fn dob_text(d: NaiveDate) -> String {
    format!("{}T00:00:00Z", d.format("%Y-%m-%d"))
}

#[cfg(test)]
/// Whole years between `dob` and `today` (birthdays and 29 February handled by date order).
fn age_on(dob: NaiveDate, today: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut years = today.year() - dob.year();
    if (today.month(), today.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    years
}

fn female_guess(given: &str) -> bool {
    let g = slug(given);
    g.ends_with('a') || matches!(g.as_str(), "amelie" | "francoise" | "funmilayo" | "ines")
}

// ---------------------------------------------------------------------------------------------
// Generator

/// The scenario labels, as written to `meta_data.sandbox.scenario`.
pub mod scenarios {
    pub const CLEAN: &str = "clean";
    pub const DOB_ZERO_DATE: &str = "dob_zero_date";
    pub const DOB_MISSING: &str = "dob_missing";
    pub const MINOR: &str = "minor";
    pub const TOO_OLD: &str = "too_old";
    pub const DOB_FUTURE: &str = "dob_future";
    pub const BAD_EMAIL: &str = "bad_email";
    pub const PHONE_NOT_E164: &str = "phone_not_e164";
    pub const PHONE_COUNTRY_MISMATCH: &str = "phone_country_mismatch";
    pub const COUNTRY_UNMAPPABLE: &str = "country_unmappable";
    pub const COUNTRY_ALPHA3: &str = "country_alpha3";
    pub const COUNTRY_NAME: &str = "country_name";
    pub const ORG_WITHOUT_NAME: &str = "org_without_name";
    pub const TOKENIZED: &str = "tokenized";
    pub const DUPLICATE_EMAIL: &str = "duplicate_email";
    pub const DUPLICATE_PHONE: &str = "duplicate_phone";
    pub const DUPLICATE_NAME_DOB: &str = "duplicate_name_dob";
    pub const SANCTIONS_EXACT: &str = "sanctions_exact";
    pub const SANCTIONS_REORDERED: &str = "sanctions_reordered";
    pub const SANCTIONS_ACCENTED: &str = "sanctions_accented";
    pub const SANCTIONS_MISSPELLED: &str = "sanctions_misspelled";
    pub const SANCTIONS_ALIAS: &str = "sanctions_alias";
    pub const SANCTIONS_NEAR_MISS: &str = "sanctions_near_miss";

    /// Every label other than `clean`, in generation order.
    pub const ALL: [&str; 22] = [
        DOB_ZERO_DATE,
        DOB_MISSING,
        MINOR,
        TOO_OLD,
        DOB_FUTURE,
        BAD_EMAIL,
        PHONE_NOT_E164,
        PHONE_COUNTRY_MISMATCH,
        COUNTRY_UNMAPPABLE,
        COUNTRY_ALPHA3,
        COUNTRY_NAME,
        ORG_WITHOUT_NAME,
        TOKENIZED,
        DUPLICATE_EMAIL,
        DUPLICATE_PHONE,
        DUPLICATE_NAME_DOB,
        SANCTIONS_EXACT,
        SANCTIONS_REORDERED,
        SANCTIONS_ACCENTED,
        SANCTIONS_MISSPELLED,
        SANCTIONS_ALIAS,
        SANCTIONS_NEAR_MISS,
    ];
}

use scenarios as sc;

/// An identity under construction.
#[derive(Debug, Clone, Default)]
struct Draft {
    identity_type: &'static str,
    organization_name: String,
    first_name: String,
    last_name: String,
    other_names: String,
    gender: &'static str,
    dob: String,
    email: String,
    phone: String,
    nationality: String,
    street: String,
    city: String,
    state: String,
    post_code: String,
    country: String,
    scenario: &'static str,
    list_entity_id: Option<String>,
    tokenized: Vec<&'static str>,
}

/// Per-label quota: 5 each for a few hundred identities, growing with `n`.
fn quota(n: usize) -> usize {
    n.div_ceil(60).max(5)
}

struct Gen<'a> {
    rng: Rng,
    now: DateTime<Utc>,
    today: NaiveDate,
    names: &'a [SanctionedName],
    emails: HashSet<String>,
    phones: HashSet<String>,
    people: HashSet<(String, String, String)>,
    ids: HashSet<String>,
    /// Tokens of every listed name and alias, to keep innocent names clear of them.
    list_tokens: Vec<String>,
    /// Rotating cursors over the sanctioned candidates, so variants spread across the list.
    person_cursor: usize,
    entity_cursor: usize,
    alias_cursor: usize,
    near_cursor: usize,
}

impl<'a> Gen<'a> {
    fn new(seed: u64, now: DateTime<Utc>, names: &'a [SanctionedName]) -> Self {
        let mut list_tokens: Vec<String> = names
            .iter()
            .flat_map(|n| std::iter::once(&n.name).chain(&n.aliases))
            .flat_map(|s| name_tokens(s))
            .collect();
        list_tokens.sort();
        list_tokens.dedup();
        let mut rng = Rng(seed);
        let person_cursor = rng.below(1000);
        let entity_cursor = rng.below(1000);
        let alias_cursor = rng.below(1000);
        let near_cursor = rng.below(1000);
        Self {
            rng,
            now,
            today: now.date_naive(),
            names,
            emails: HashSet::new(),
            phones: HashSet::new(),
            people: HashSet::new(),
            ids: HashSet::new(),
            list_tokens,
            person_cursor,
            entity_cursor,
            alias_cursor,
            near_cursor,
        }
    }

    fn country(&mut self) -> &'static Country {
        // COUNTRIES is a non-empty constant; index 0 is only a formal fallback.
        let i = self.rng.below(COUNTRIES.len());
        &COUNTRIES[i.min(COUNTRIES.len() - 1)]
    }

    fn country_by_code(code: &str) -> &'static Country {
        COUNTRIES
            .iter()
            .find(|c| c.alpha2 == code)
            .unwrap_or(&COUNTRIES[0])
    }

    /// A token far from every listed token (Jaro-Winkler below 0.8), so innocent names stay
    /// innocent.
    fn clear_of_list(&self, word: &str) -> bool {
        name_tokens(word)
            .iter()
            .all(|t| self.list_tokens.iter().all(|l| jaro_winkler(t, l) < 0.8))
    }

    fn identity_id(&mut self) -> String {
        loop {
            let a = self.rng.next_u64();
            let b = self.rng.next_u64();
            let hex = format!("{a:016x}{b:016x}");
            // version 4 and RFC 4122 variant nibbles, as a real UUID would have
            let variant = ["8", "9", "a", "b"][(b >> 62) as usize & 3];
            let id = format!(
                "idt_{}-{}-4{}-{}{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[13..16],
                variant,
                &hex[17..20],
                &hex[20..32]
            );
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn created_at(&mut self) -> String {
        let secs = self.rng.range(60, 730 * 86_400 - 1);
        let nanos = self.rng.range(0, 999_999_999);
        let t = self.now - Duration::seconds(secs) - Duration::nanoseconds(nanos);
        t.to_rfc3339_opts(SecondsFormat::Nanos, true)
    }

    /// A date of birth giving an age in `min_age..=max_age` at `today`.
    fn dob_for_age(&mut self, min_age: u32, max_age: u32) -> NaiveDate {
        let age = self.rng.range(i64::from(min_age), i64::from(max_age)) as u32;
        let birthday = self
            .today
            .checked_sub_months(Months::new(age * 12))
            .unwrap_or(self.today);
        // 1..=360 days before the birthday that makes them `age` today: still `age` years old.
        let back = self.rng.range(1, 360);
        birthday - Duration::days(back)
    }

    fn mobile(&mut self, c: &Country) -> String {
        let prefix = self.rng.pick_str(c.mobile_prefixes);
        let rest = c.nsn_len.saturating_sub(prefix.len());
        // avoid a 0/1 right after the NANP area code, which no real exchange uses
        let first = char::from(b'2' + self.rng.below(8) as u8);
        let digits = self.rng.digits(rest.saturating_sub(1));
        format!("+{}{prefix}{first}{digits}", c.calling_code)
    }

    fn unique_mobile(&mut self, c: &Country) -> String {
        loop {
            let p = self.mobile(c);
            if self.phones.insert(p.clone()) {
                return p;
            }
        }
    }

    fn unique_email(&mut self, first: &str, last: &str, c: &Country) -> String {
        let f = slug(first);
        let l = slug(last);
        let f = if f.is_empty() { "user".to_string() } else { f };
        let l = if l.is_empty() { "mail".to_string() } else { l };
        for attempt in 0..50u32 {
            let domain = if self.rng.chance(30) {
                self.rng.pick_str(c.mail)
            } else {
                self.rng.pick_str(GLOBAL_MAIL)
            };
            let initial = f.chars().next().unwrap_or('x');
            let mut local = match self.rng.below(5) {
                0 => format!("{f}.{l}"),
                1 => format!("{f}{l}"),
                2 => format!("{initial}.{l}"),
                3 => format!("{f}_{l}"),
                _ => format!("{l}.{f}"),
            };
            if attempt > 0 || self.rng.chance(25) {
                local.push_str(&self.rng.range(1, 99).to_string());
            }
            let email = format!("{local}@{domain}");
            if self.emails.insert(email.clone()) {
                return email;
            }
        }
        let email = format!("{f}.{l}.{}@{}", self.rng.digits(6), GLOBAL_MAIL[0]);
        self.emails.insert(email.clone());
        email
    }

    fn address(&mut self, c: &Country, d: &mut Draft) {
        let (city, state, pattern) = self.rng.pick(c.cities).copied().unwrap_or(("", "", ""));
        let number = self.rng.range(1, 240);
        d.street = match c.region.street {
            StreetStyle::NumberFirst(streets) => format!("{number} {}", self.rng.pick_str(streets)),
            StreetStyle::NumberLast(streets) => format!("{} {number}", self.rng.pick_str(streets)),
        };
        d.city = city.to_string();
        d.state = state.to_string();
        d.post_code = fill_pattern(&mut self.rng, pattern);
        d.country = c.alpha2.to_string();
    }

    fn base(&mut self, c: &Country) -> Draft {
        let mut d = Draft {
            identity_type: "individual",
            scenario: sc::CLEAN,
            ..Draft::default()
        };
        self.address(c, &mut d);
        d
    }

    /// A clean individual: unique name + DOB, email and phone; adult; consistent country.
    fn person_in(&mut self, c: &'static Country) -> Draft {
        let mut d = self.base(c);
        loop {
            let female = self.rng.chance(50);
            let pool = if female {
                c.region.female
            } else {
                c.region.male
            };
            let first = self.rng.pick_str(pool);
            let last = self.rng.pick_str(c.region.family);
            let other = if self.rng.chance(25) {
                let o = self.rng.pick_str(pool);
                if o == first {
                    ""
                } else {
                    o
                }
            } else {
                ""
            };
            let dob = self.dob_for_age(19, 84);
            let key = (slug(first), slug(last), dob_text(dob));
            if self.people.contains(&key) {
                continue;
            }
            self.people.insert(key);
            d.first_name = first.to_string();
            d.last_name = last.to_string();
            d.other_names = other.to_string();
            d.gender = if female { "female" } else { "male" };
            d.dob = dob_text(dob);
            break;
        }
        d.email = self.unique_email(&d.first_name, &d.last_name, c);
        d.phone = self.unique_mobile(c);
        d.nationality = c.alpha2.to_string();
        d
    }

    fn person(&mut self) -> Draft {
        let c = self.country();
        self.person_in(c)
    }

    /// A clean organisation with a unique invented name.
    fn organization(&mut self) -> Draft {
        let c = self.country();
        let mut d = self.base(c);
        d.identity_type = "organization";
        let legal = self.rng.pick_str(c.legal);
        let trade = self.rng.pick_str(COMPANY_TRADES);
        let head = if self.rng.chance(40) {
            self.rng.pick_str(c.region.family).to_string()
        } else {
            self.rng.pick_str(COMPANY_WORDS).to_string()
        };
        d.organization_name = format!("{head} {trade} {legal}");
        let domain = format!("{}{}.{}", slug(&head), slug(trade), c.tld);
        let mut email = format!("info@{domain}");
        let mut k = 2;
        while !self.emails.insert(email.clone()) {
            email = format!("info{k}@{domain}");
            k += 1;
        }
        d.email = email;
        d.phone = self.unique_mobile(c);
        d
    }

    fn clean(&mut self) -> Draft {
        if self.rng.chance(15) {
            self.organization()
        } else {
            self.person()
        }
    }

    fn labelled(mut d: Draft, label: &'static str) -> Draft {
        d.scenario = label;
        d
    }

    fn token(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let body: String = (0..32)
            .map(|_| char::from(ALPHABET[self.rng.below(ALPHABET.len())]))
            .collect();
        format!("tok_{body}")
    }

    /// One unit (a single identity or a duplicate pair) of a data-problem scenario.
    fn data_unit(&mut self, label: &'static str, r: usize) -> Vec<Draft> {
        let mut d = self.person();
        match label {
            sc::DOB_ZERO_DATE => d.dob = "0001-01-01T00:00:00Z".into(),
            sc::DOB_MISSING => d.dob = String::new(),
            sc::MINOR => d.dob = dob_text(self.dob_for_age(11, 17)),
            sc::TOO_OLD => d.dob = dob_text(self.dob_for_age(121, 135)),
            sc::DOB_FUTURE => {
                d.dob = dob_text(self.today + Duration::days(self.rng.range(30, 4000)));
            }
            sc::BAD_EMAIL => {
                let (local, domain) = d
                    .email
                    .split_once('@')
                    .unwrap_or(("someone", "example.com"));
                let (local, domain) = (local.to_string(), domain.to_string());
                let bare = domain.split('.').next().unwrap_or("mail").to_string();
                d.email = match r % 6 {
                    0 => format!("{local}@{bare}"),
                    1 => format!("{local}.{domain}"),
                    2 => format!("{local}@@{domain}"),
                    3 => format!("{} {}@{domain}", d.first_name, d.last_name),
                    4 => format!("{local}..x@{domain}"),
                    _ => format!("{local}@{domain},"),
                };
            }
            sc::PHONE_NOT_E164 => {
                let c = Self::country_by_code(&d.country);
                let nsn = d
                    .phone
                    .trim_start_matches('+')
                    .get(c.calling_code.len()..)
                    .unwrap_or_default()
                    .to_string();
                let (a, b) = nsn.split_at(nsn.len() / 2);
                d.phone = match r % 5 {
                    0 => format!("0{nsn}"),
                    1 => format!("+{} {a} {b}", c.calling_code),
                    2 => format!("00{}{nsn}", c.calling_code),
                    3 => format!("({a}) {b}"),
                    _ => format!("{}{nsn}", c.calling_code),
                };
            }
            sc::PHONE_COUNTRY_MISMATCH => {
                let own = Self::country_by_code(&d.country).calling_code;
                let other = loop {
                    let c = self.country();
                    if c.calling_code != own {
                        break c;
                    }
                };
                d.phone = self.unique_mobile(other);
            }
            sc::COUNTRY_UNMAPPABLE => {
                d.country = UNMAPPABLE_COUNTRIES[r % UNMAPPABLE_COUNTRIES.len()].to_string();
            }
            sc::COUNTRY_ALPHA3 => {
                let c = if r == 0 {
                    Self::country_by_code("NG")
                } else {
                    self.country()
                };
                d = self.person_in(c);
                d.country = c.alpha3.to_string();
                d.nationality = c.alpha3.to_string();
            }
            sc::COUNTRY_NAME => {
                let code = NAMED_COUNTRIES[r % NAMED_COUNTRIES.len()];
                let c = Self::country_by_code(code);
                d = self.person_in(c);
                d.country = c.name.to_string();
                d.nationality = c.name.to_string();
            }
            sc::ORG_WITHOUT_NAME => {
                d = self.organization();
                d.organization_name = String::new();
            }
            sc::TOKENIZED => {
                let fields: &[&'static str] = match r % 4 {
                    0 => &["first_name", "last_name"],
                    1 => &["email_address"],
                    2 => &["first_name", "last_name", "email_address", "phone_number"],
                    _ => &["last_name", "street", "post_code"],
                };
                for f in fields {
                    let t = self.token();
                    match *f {
                        "first_name" => d.first_name = t,
                        "last_name" => d.last_name = t,
                        "email_address" => d.email = t,
                        "phone_number" => d.phone = t,
                        "street" => d.street = t,
                        _ => d.post_code = t,
                    }
                }
                d.tokenized = fields.to_vec();
            }
            sc::DUPLICATE_EMAIL => {
                let c = Self::country_by_code(&d.country);
                let mut twin = self.person_in(c);
                twin.email = d.email.clone();
                return vec![Self::labelled(d, label), Self::labelled(twin, label)];
            }
            sc::DUPLICATE_PHONE => {
                let c = Self::country_by_code(&d.country);
                let mut twin = self.person_in(c);
                twin.phone = d.phone.clone();
                return vec![Self::labelled(d, label), Self::labelled(twin, label)];
            }
            sc::DUPLICATE_NAME_DOB => {
                let c = self.country();
                let mut twin = self.base(c);
                twin.first_name = d.first_name.clone();
                twin.last_name = d.last_name.clone();
                twin.other_names = d.other_names.clone();
                twin.gender = d.gender;
                twin.dob = d.dob.clone();
                twin.email = self.unique_email(&d.first_name, &d.last_name, c);
                twin.phone = self.unique_mobile(c);
                twin.nationality = c.alpha2.to_string();
                return vec![Self::labelled(d, label), Self::labelled(twin, label)];
            }
            _ => {}
        }
        vec![Self::labelled(d, label)]
    }
}

/// A listed individual usable for variants: given and family names, at least two significant
/// tokens, nothing odd in the name.
fn usable_person(n: &SanctionedName) -> bool {
    let (given, family) = split_listed_person(&n.name);
    n.is_individual
        && !given.is_empty()
        && !family.is_empty()
        && !n.name.contains('"')
        && significant_tokens(&n.name).len() >= 2
}

fn usable_entity(n: &SanctionedName) -> bool {
    !n.is_individual && !n.name.contains('"') && significant_tokens(&n.name).len() >= 2
}

/// One character edit in one token of at least five letters: a substitution in the second half
/// of the token. `None` when no token qualifies.
fn misspell(rng: &mut Rng, parts: &[String]) -> Option<(usize, String)> {
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new(); // (part, byte start, char len)
    for (pi, part) in parts.iter().enumerate() {
        let mut start = None;
        for (bi, c) in part
            .char_indices()
            .chain(std::iter::once((part.len(), ' ')))
        {
            if c.is_alphabetic() {
                start.get_or_insert(bi);
            } else if let Some(s) = start.take() {
                let len = part[s..bi].chars().count();
                let folded = slug(&part[s..bi]);
                if len >= 5 && is_significant(&folded) && !GENERIC_WORDS.contains(&folded.as_str())
                {
                    candidates.push((pi, s, len));
                }
            }
        }
    }
    let &(pi, start, len) = rng.pick(&candidates)?;
    let part = parts.get(pi)?;
    let token: Vec<char> = part[start..].chars().take(len).collect();
    // substitute an ASCII letter in the second half with a different letter
    let positions: Vec<usize> = (len / 2..len)
        .filter(|&i| token[i].is_ascii_alphabetic())
        .collect();
    let &pos = rng.pick(&positions)?;
    let orig = token[pos];
    let lower = orig.to_ascii_lowercase();
    let neighbours = [
        pos.checked_sub(1).and_then(|i| token.get(i)),
        token.get(pos + 1),
    ];
    let replacement = loop {
        let c = char::from(b'a' + rng.below(26) as u8);
        if c != lower
            && neighbours
                .iter()
                .all(|n| n.map(|n| n.to_ascii_lowercase()) != Some(c))
        {
            break c;
        }
    };
    let replacement = if orig.is_ascii_uppercase() {
        replacement.to_ascii_uppercase()
    } else {
        replacement
    };
    let mut edited: Vec<char> = token.clone();
    edited[pos] = replacement;
    let new_token: String = edited.into_iter().collect();
    let old_token: String = token.into_iter().collect();
    let new_part = format!(
        "{}{}{}",
        &part[..start],
        new_token,
        &part[start + old_token.len()..]
    );
    Some((pi, new_part))
}

/// Adds an acute accent to the last plain vowel of one part, or, when the name already has
/// accents, removes them all.
fn accent_variant(rng: &mut Rng, parts: &mut [String]) {
    if parts.iter().any(|p| fold(p) != *p) {
        for p in parts.iter_mut() {
            *p = fold(p);
        }
        return;
    }
    let with_vowel: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].chars().skip(1).any(|c| "aeiou".contains(c)))
        .collect();
    let Some(&i) = rng.pick(&with_vowel) else {
        return;
    };
    let chars: Vec<char> = parts[i].chars().collect();
    if let Some(pos) = (1..chars.len()).rev().find(|&k| "aeiou".contains(chars[k])) {
        let accented = match chars[pos] {
            'a' => 'á',
            'e' => 'é',
            'i' => 'í',
            'o' => 'ó',
            _ => 'ú',
        };
        parts[i] = chars
            .iter()
            .enumerate()
            .map(|(k, c)| if k == pos { accented } else { *c })
            .collect();
    }
}

impl<'a> Gen<'a> {
    fn person_pool(&self) -> Vec<&'a SanctionedName> {
        let names: &'a [SanctionedName] = self.names;
        let all: Vec<&'a SanctionedName> = names.iter().filter(|n| usable_person(n)).collect();
        let dated: Vec<&'a SanctionedName> =
            all.iter().copied().filter(|n| n.dob.is_some()).collect();
        if dated.is_empty() {
            all
        } else {
            dated
        }
    }

    fn entity_pool(&self) -> Vec<&'a SanctionedName> {
        let names: &'a [SanctionedName] = self.names;
        names.iter().filter(|n| usable_entity(n)).collect()
    }

    /// (entry, alias) pairs whose alias has at least two significant tokens (and, for people, a
    /// `LAST, First` shape).
    fn alias_pool(&self, individuals: bool) -> Vec<(&'a SanctionedName, &'a str)> {
        let names: &'a [SanctionedName] = self.names;
        names
            .iter()
            .filter(|n| n.is_individual == individuals && !n.name.contains('"'))
            .flat_map(|n| n.aliases.iter().map(move |a| (n, a.as_str())))
            .filter(|(_, a)| {
                significant_tokens(a).len() >= 2
                    && (!individuals || {
                        let (given, family) = split_listed_person(a);
                        !given.is_empty() && !family.is_empty()
                    })
            })
            .collect()
    }

    fn next_of<T: Copy>(pool: &[T], cursor: &mut usize) -> Option<T> {
        if pool.is_empty() {
            return None;
        }
        let item = pool.get(*cursor % pool.len()).copied();
        *cursor += 1;
        item
    }

    /// An individual built from listed name parts, with the list DOB when there is one.
    fn listed_person(
        &mut self,
        entry: &SanctionedName,
        first: &str,
        other: &str,
        last: &str,
        label: &'static str,
    ) -> Draft {
        let c = self.country();
        let mut d = self.base(c);
        d.first_name = first.to_string();
        d.other_names = other.to_string();
        d.last_name = last.to_string();
        let given = if label == sc::SANCTIONS_REORDERED {
            last
        } else {
            first
        };
        d.gender = if female_guess(given) {
            "female"
        } else {
            "male"
        };
        let dob = match entry.dob {
            Some(dob) => dob,
            None => self.dob_for_age(30, 75),
        };
        d.dob = dob_text(dob);
        d.email = self.unique_email(given, if given == first { last } else { first }, c);
        d.phone = self.unique_mobile(c);
        d.nationality = c.alpha2.to_string();
        d.scenario = label;
        d.list_entity_id = Some(entry.entity_id.clone());
        d
    }

    /// `info@<first two significant words>.<tld>` for a company name, unique.
    fn company_email(&mut self, name: &str, country: &str) -> String {
        let tld = Self::country_by_code(country).tld;
        let words: String = significant_tokens(name)
            .iter()
            .take(2)
            .map(|t| slug(t))
            .collect();
        let domain = format!(
            "{}.{tld}",
            if words.is_empty() {
                "company".to_string()
            } else {
                words
            }
        );
        let mut email = format!("info@{domain}");
        let mut k = 2;
        while !self.emails.insert(email.clone()) {
            email = format!("info{k}@{domain}");
            k += 1;
        }
        email
    }

    fn listed_company(
        &mut self,
        entry: &SanctionedName,
        name: String,
        label: &'static str,
    ) -> Draft {
        let mut d = self.organization();
        d.email = self.company_email(&name, &d.country.clone());
        d.organization_name = name;
        d.scenario = label;
        d.list_entity_id = Some(entry.entity_id.clone());
        d
    }

    /// A word from `pool` whose initial differs from `avoid_initials` and that is far from every
    /// listed token.
    fn innocent_word(
        &mut self,
        pool: &[&'static str],
        avoid_initials: &[char],
    ) -> Option<&'static str> {
        let start = self.rng.below(pool.len().max(1));
        (0..pool.len())
            .filter_map(|k| pool.get((start + k) % pool.len()).copied())
            .find(|w| {
                let initial = slug(w).chars().next();
                initial.is_some_and(|i| !avoid_initials.contains(&i)) && self.clear_of_list(w)
            })
    }

    fn near_miss_person(&mut self, r: usize) -> Option<Draft> {
        let names: &'a [SanctionedName] = self.names;
        let pool: Vec<&'a SanctionedName> = names.iter().filter(|n| usable_person(n)).collect();
        let entry = Self::next_of(&pool, &mut self.near_cursor)?;
        let (given, family) = split_listed_person(&entry.name);
        let initials: Vec<char> = name_tokens(&entry.name)
            .iter()
            .filter_map(|t| t.chars().next())
            .collect();
        let c = self.country();
        let female = female_guess(given.first().map(String::as_str).unwrap_or(""));
        let mut d = self.base(c);
        if r.is_multiple_of(2) {
            // the listed family name (its most distinctive token) with an unrelated given name
            let kept = family
                .split(|ch: char| ch.is_whitespace() || ch == '-')
                .filter(|t| is_significant(&slug(t)))
                .max_by_key(|t| t.chars().count())?
                .to_string();
            let all_given: Vec<&'static str> = COUNTRIES
                .iter()
                .flat_map(|k| {
                    if female {
                        k.region.female
                    } else {
                        k.region.male
                    }
                    .iter()
                    .copied()
                })
                .filter(|w| !w.contains(' ') && !w.contains('-'))
                .collect();
            let new_given = self.innocent_word(&all_given, &initials)?;
            d.first_name = new_given.to_string();
            d.last_name = kept;
        } else {
            // the listed first given name with an unrelated family name
            let kept = given.first()?.clone();
            let all_family: Vec<&'static str> = COUNTRIES
                .iter()
                .flat_map(|k| k.region.family.iter().copied())
                .filter(|w| !w.contains(' ') && !w.contains('-') && !w.contains('\''))
                .collect();
            let new_family = self.innocent_word(&all_family, &initials)?;
            d.first_name = kept;
            d.last_name = new_family.to_string();
        }
        d.gender = if female { "female" } else { "male" };
        loop {
            let dob = self.dob_for_age(22, 80);
            if entry.dob != Some(dob) {
                d.dob = dob_text(dob);
                break;
            }
        }
        d.email = self.unique_email(&d.first_name, &d.last_name, c);
        d.phone = self.unique_mobile(c);
        d.nationality = c.alpha2.to_string();
        d.scenario = sc::SANCTIONS_NEAR_MISS;
        Some(d)
    }

    fn near_miss_company(&mut self) -> Option<Draft> {
        let pool = self.entity_pool();
        let entry = Self::next_of(&pool, &mut self.near_cursor)?;
        let kept = entry
            .name
            .split(|ch: char| ch.is_whitespace() || ch == '-')
            .filter(|t| {
                let s = slug(t);
                is_significant(&s) && !GENERIC_WORDS.contains(&s.as_str())
            })
            .max_by_key(|t| t.chars().count())?;
        let initials: Vec<char> = name_tokens(&entry.name)
            .iter()
            .filter_map(|t| t.chars().next())
            .collect();
        let trades: Vec<&'static str> = COMPANY_TRADES
            .iter()
            .copied()
            .filter(|t| t.split(' ').all(|w| self.clear_of_list(w)))
            .collect();
        let trade = self.innocent_word(&trades, &initials)?;
        let mut d = self.organization();
        let c = Self::country_by_code(&d.country);
        let legal = self.rng.pick_str(c.legal);
        d.organization_name = format!("{} {trade} {legal}", title_word(kept));
        d.email = self.company_email(&d.organization_name.clone(), &d.country.clone());
        d.scenario = sc::SANCTIONS_NEAR_MISS;
        Some(d)
    }

    /// One identity of a sanctions scenario, or nothing when the list has no fitting name.
    fn sanctions_unit(&mut self, label: &'static str, r: usize) -> Vec<Draft> {
        let company_turn = r % 5 == 1 || r % 5 == 3;
        let person_only = matches!(label, sc::SANCTIONS_REORDERED | sc::SANCTIONS_ACCENTED);
        let want_company = company_turn && !person_only && !self.entity_pool().is_empty();
        let draft = if label == sc::SANCTIONS_NEAR_MISS {
            if want_company {
                self.near_miss_company()
            } else {
                self.near_miss_person(r)
            }
        } else if label == sc::SANCTIONS_ALIAS {
            let people = self.alias_pool(true);
            let companies = self.alias_pool(false);
            let use_company = (want_company && !companies.is_empty()) || people.is_empty();
            let pool = if use_company { companies } else { people };
            Self::next_of(&pool, &mut self.alias_cursor).map(|(entry, alias)| {
                if entry.is_individual {
                    let (given, family) = split_listed_person(alias);
                    let first = given.first().cloned().unwrap_or_default();
                    let other = given.get(1..).unwrap_or(&[]).join(" ");
                    self.listed_person(entry, &first, &other, &family, label)
                } else {
                    self.listed_company(entry, title_company(alias), label)
                }
            })
        } else if want_company {
            let pool = self.entity_pool();
            let mut found = None;
            for _ in 0..pool.len() {
                let Some(entry) = Self::next_of(&pool, &mut self.entity_cursor) else {
                    break;
                };
                let name = title_company(&entry.name);
                let name = if label == sc::SANCTIONS_MISSPELLED {
                    match misspell(&mut self.rng, &[name]) {
                        Some((_, edited)) => edited,
                        None => continue,
                    }
                } else {
                    name
                };
                found = Some(self.listed_company(entry, name, label));
                break;
            }
            found
        } else {
            let pool = self.person_pool();
            let mut found = None;
            for _ in 0..pool.len() {
                let Some(entry) = Self::next_of(&pool, &mut self.person_cursor) else {
                    break;
                };
                let (given, family) = split_listed_person(&entry.name);
                let mut parts: Vec<String> = given.clone();
                parts.push(family.clone());
                match label {
                    sc::SANCTIONS_ACCENTED => accent_variant(&mut self.rng, &mut parts),
                    sc::SANCTIONS_MISSPELLED => match misspell(&mut self.rng, &parts) {
                        Some((i, edited)) => {
                            if let Some(p) = parts.get_mut(i) {
                                *p = edited;
                            }
                        }
                        None => continue,
                    },
                    _ => {}
                }
                let family = parts.pop().unwrap_or_default();
                let first = parts.first().cloned().unwrap_or_default();
                let other = parts.get(1..).unwrap_or(&[]).join(" ");
                found = Some(if label == sc::SANCTIONS_REORDERED {
                    let given_all = parts.join(" ");
                    self.listed_person(entry, &family, "", &given_all, label)
                } else {
                    self.listed_person(entry, &first, &other, &family, label)
                });
                break;
            }
            found
        };
        draft.into_iter().collect()
    }

    fn finish(&mut self, d: Draft) -> Value {
        let mut sandbox = Map::new();
        sandbox.insert("scenario".into(), Value::from(d.scenario));
        if let Some(id) = d.list_entity_id {
            sandbox.insert("list_entity_id".into(), Value::from(id));
        }
        let mut meta = Map::new();
        meta.insert("sandbox".into(), Value::Object(sandbox));
        if !d.tokenized.is_empty() {
            let fields: Map<String, Value> = d
                .tokenized
                .iter()
                .map(|f| ((*f).to_string(), Value::Bool(true)))
                .collect();
            meta.insert("tokenized_fields".into(), Value::Object(fields));
        }
        json!({
            "identity_id": self.identity_id(),
            "identity_type": d.identity_type,
            "organization_name": d.organization_name,
            "category": "customer",
            "first_name": d.first_name,
            "last_name": d.last_name,
            "other_names": d.other_names,
            "gender": d.gender,
            "dob": d.dob,
            "email_address": d.email,
            "phone_number": d.phone,
            "nationality": d.nationality,
            "street": d.street,
            "city": d.city,
            "state": d.state,
            "post_code": d.post_code,
            "country": d.country,
            "created_at": self.created_at(),
            "meta_data": Value::Object(meta),
        })
    }
}

/// `n` deterministic identities (same `seed`, `n`, `now` and `names` → same output). Scenario
/// identities come first in the quota (five of each label for a few hundred identities, pairs for
/// the duplicate labels); the rest are clean. The result is shuffled.
pub fn generate(seed: u64, n: usize, now: DateTime<Utc>, names: &[SanctionedName]) -> Vec<Value> {
    let mut g = Gen::new(seed, now, names);
    let k = quota(n);
    let mut drafts: Vec<Draft> = Vec::with_capacity(n);
    'rounds: for r in 0..k {
        for label in sc::ALL {
            if drafts.len() >= n {
                break 'rounds;
            }
            let pair = matches!(
                label,
                sc::DUPLICATE_EMAIL | sc::DUPLICATE_PHONE | sc::DUPLICATE_NAME_DOB
            );
            if pair && 2 * r >= k {
                continue;
            }
            let unit = if label.starts_with("sanctions_") {
                g.sanctions_unit(label, r)
            } else {
                g.data_unit(label, r)
            };
            if drafts.len() + unit.len() <= n {
                drafts.extend(unit);
            }
        }
    }
    while drafts.len() < n {
        let d = g.clean();
        drafts.push(d);
    }
    g.rng.shuffle(&mut drafts);
    drafts.into_iter().map(|d| g.finish(d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn sample() -> Vec<Value> {
        generate(20_261_124, 300, now(), &sample_sanctioned_names())
    }

    fn s<'v>(v: &'v Value, key: &str) -> &'v str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} not a string in {v}"))
    }

    fn scenario(v: &Value) -> &str {
        v["meta_data"]["sandbox"]["scenario"].as_str().unwrap()
    }

    fn counts(items: &[Value]) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for i in items {
            *m.entry(scenario(i).to_string()).or_insert(0) += 1;
        }
        m
    }

    fn dob_of(v: &Value) -> NaiveDate {
        let d = s(v, "dob");
        NaiveDate::parse_from_str(&d[..10], "%Y-%m-%d").unwrap()
    }

    fn full_name(v: &Value) -> String {
        if s(v, "identity_type") == "organization" {
            s(v, "organization_name").to_string()
        } else {
            format!(
                "{} {} {}",
                s(v, "first_name"),
                s(v, "other_names"),
                s(v, "last_name")
            )
        }
    }

    /// Manual E.164 check: `+`, a first digit 1-9, 7 to 15 digits in all.
    fn is_e164(p: &str) -> bool {
        let Some(digits) = p.strip_prefix('+') else {
            return false;
        };
        digits.len() >= 7
            && digits.len() <= 15
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    }

    /// A plain email syntax check (one @, dotted domain, alphabetic TLD, no spaces).
    fn email_ok(e: &str) -> bool {
        let Some((local, domain)) = e.split_once('@') else {
            return false;
        };
        let local_ok = !local.is_empty()
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        local_ok && domain_ok
    }

    // A token-level Jaro-Winkler matcher in the spirit of the app's screener: best pairs at 0.80
    // or more, unmatched tokens penalised (query 0.25, listed 0.15), particles and legal forms
    // weighted down, and a hit needs two pairs of significant tokens.
    fn weight(t: &str) -> f64 {
        if PARTICLES.contains(&t) {
            0.3
        } else if LEGAL_FORMS.contains(&t) {
            0.2
        } else {
            1.0
        }
    }

    /// (score, significant pairs)
    fn score(query: &str, listed: &str) -> (f64, usize) {
        let q = name_tokens(query);
        let l = name_tokens(listed);
        let mut cands: Vec<(f64, usize, usize)> = Vec::new();
        for (i, a) in q.iter().enumerate() {
            for (j, b) in l.iter().enumerate() {
                let sim = jaro_winkler(a, b);
                if sim >= 0.8 {
                    cands.push((sim, i, j));
                }
            }
        }
        cands.sort_by(|x, y| {
            y.0.partial_cmp(&x.0)
                .unwrap()
                .then(x.1.cmp(&y.1))
                .then(x.2.cmp(&y.2))
        });
        let mut qu = vec![false; q.len()];
        let mut lu = vec![false; l.len()];
        let (mut num, mut paired_w, mut sig_pairs) = (0.0, 0.0, 0);
        for (sim, i, j) in cands {
            if qu[i] || lu[j] {
                continue;
            }
            qu[i] = true;
            lu[j] = true;
            let w = weight(&q[i]);
            num += sim * w;
            paired_w += w;
            if is_significant(&q[i]) && is_significant(&l[j]) {
                sig_pairs += 1;
            }
        }
        let uq: f64 = q
            .iter()
            .zip(&qu)
            .filter(|(_, u)| !**u)
            .map(|(t, _)| weight(t))
            .sum();
        let ul: f64 = l
            .iter()
            .zip(&lu)
            .filter(|(_, u)| !**u)
            .map(|(t, _)| weight(t))
            .sum();
        let den = paired_w + 0.25 * uq + 0.15 * ul;
        (if den > 0.0 { num / den } else { 0.0 }, sig_pairs)
    }

    fn best_against(query: &str, entry: &SanctionedName) -> (f64, usize) {
        std::iter::once(&entry.name)
            .chain(&entry.aliases)
            .map(|n| score(query, n))
            .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a })
    }

    fn is_hit(query: &str, names: &[SanctionedName]) -> Option<String> {
        names.iter().find_map(|e| {
            let (sc, pairs) = best_against(query, e);
            (sc >= 0.85 && pairs >= 2).then(|| format!("{} ({sc:.3})", e.name))
        })
    }

    #[test]
    fn sample_list_parses() {
        let names = sample_sanctioned_names();
        assert!(names.len() >= 35, "{}", names.len());
        let volkanov = names.iter().find(|n| n.entity_id == "9001").unwrap();
        assert_eq!(volkanov.name, "VOLKANOV, Dragomir Ilyich");
        assert!(volkanov.is_individual);
        assert_eq!(volkanov.dob, NaiveDate::from_ymd_opt(1968, 6, 14));
        assert_eq!(
            volkanov.aliases,
            vec!["VOLKANOV, Dmitri", "WOLKANOW, Dragomir"]
        );
        let partial = names.iter().find(|n| n.entity_id == "9004").unwrap();
        assert_eq!(partial.dob, None); // "DOB 1979"
        let leap = names.iter().find(|n| n.entity_id == "9013").unwrap();
        assert_eq!(leap.dob, NaiveDate::from_ymd_opt(1988, 2, 29));
        assert!(
            names.iter().all(|n| n.entity_id != "9109"),
            "vessel skipped"
        );
        let entity = names.iter().find(|n| n.entity_id == "9102").unwrap();
        assert!(!entity.is_individual);
        assert_eq!(entity.aliases.len(), 2);
        let broken = names.iter().find(|n| n.entity_id == "9113").unwrap();
        assert_eq!(broken.name, "BROKEN \"QUOTE\" EXPORTS");
        assert!(!broken.is_individual);
        assert!(names.iter().filter(|n| n.is_individual).count() >= 20);
        assert!(names.iter().filter(|n| !n.is_individual).count() >= 10);
    }

    #[test]
    fn lenient_csv_parser() {
        let sdn = "1,\"DOE, John\",\"individual\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 01 Feb 1970; alt. DOB 1971.\"\r\n\
                   \n\
                   2,\"ACME, \"\"BIG\"\" CO\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n\
                   3,\"UNCLOSED,-0- \n\
                   x,\"BAD ID\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n\
                   4,\"SHIP\",\"vessel\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n\
                   1,\"DUPLICATE\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n\
                   5,\"SHORT ROW\",-0- \u{1a}";
        let alt = "1,11,\"aka\",\"DOE, Johnny\",-0- \n9,91,\"aka\",\"ORPHAN\",-0- \ngarbage";
        let names = parse_sanctioned_names(sdn, alt);
        let ids: Vec<&str> = names.iter().map(|n| n.entity_id.as_str()).collect();
        assert_eq!(ids, vec!["1", "2", "3", "5"]);
        assert_eq!(names[0].dob, NaiveDate::from_ymd_opt(1970, 2, 1));
        assert_eq!(names[0].aliases, vec!["DOE, Johnny"]);
        assert_eq!(names[1].name, "ACME, \"BIG\" CO");
        assert!(!names[1].is_individual);
        assert_eq!(names[2].name, "UNCLOSED");
        assert_eq!(names[3].name, "SHORT ROW");
        assert!(parse_sanctioned_names("", "").is_empty());
        assert!(parse_sanctioned_names("\"\"\",,,\n,,\n\"", "\"").is_empty());
    }

    #[test]
    fn prng_is_splitmix64() {
        // reference values of splitmix64 seeded with 0
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = Rng(7);
        for n in [1usize, 2, 3, 10, 1000] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn generation_is_deterministic() {
        let names = sample_sanctioned_names();
        let a = generate(20_261_124, 300, now(), &names);
        let b = generate(20_261_124, 300, now(), &names);
        assert_eq!(a, b);
        let c = generate(20_261_125, 300, now(), &names);
        assert_ne!(a, c);
        let small = generate(1, 40, now(), &names);
        assert_eq!(small, generate(1, 40, now(), &names));
    }

    #[test]
    fn scenario_counts_at_300() {
        let items = sample();
        assert_eq!(items.len(), 300);
        let m = counts(&items);
        for label in sc::ALL {
            let n = m.get(label).copied().unwrap_or(0);
            assert!(n >= 5, "{label}: {n} ({m:?})");
        }
        let clean = m.get(sc::CLEAN).copied().unwrap_or(0);
        assert!((180..=215).contains(&clean), "{clean} clean ({m:?})");
        assert_eq!(m.len(), sc::ALL.len() + 1, "{m:?}");
        println!("{m:?}");
    }

    #[test]
    fn identities_have_every_contract_field() {
        let keys = [
            "identity_id",
            "identity_type",
            "organization_name",
            "category",
            "first_name",
            "last_name",
            "other_names",
            "gender",
            "dob",
            "email_address",
            "phone_number",
            "nationality",
            "street",
            "city",
            "state",
            "post_code",
            "country",
            "created_at",
            "meta_data",
        ];
        for i in sample() {
            let obj = i.as_object().unwrap();
            for k in keys {
                assert!(obj.contains_key(k), "{k} missing in {i}");
            }
            assert_eq!(obj.len(), keys.len());
            assert_eq!(i["category"], "customer");
            assert!(matches!(
                s(&i, "identity_type"),
                "individual" | "organization"
            ));
        }
    }

    #[test]
    fn identity_ids_are_unique_and_uuid_shaped() {
        let items = sample();
        let ids: HashSet<&str> = items.iter().map(|i| s(i, "identity_id")).collect();
        assert_eq!(ids.len(), items.len());
        for id in ids {
            let uuid = id.strip_prefix("idt_").unwrap();
            let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
            assert_eq!(groups, vec![8, 4, 4, 4, 12], "{id}");
            assert!(uuid
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }

    #[test]
    fn meta_data_has_scenario_and_never_kyc() {
        for i in sample() {
            let meta = i["meta_data"].as_object().unwrap();
            assert!(!meta.contains_key("kyc"), "{i}");
            assert!(meta["sandbox"]["scenario"].is_string());
        }
    }

    #[test]
    fn created_at_is_within_two_years_before_now() {
        for i in sample() {
            let t = DateTime::parse_from_rfc3339(s(&i, "created_at")).unwrap();
            assert!(t < now() && t > now() - Duration::days(731), "{t}");
        }
    }

    #[test]
    fn clean_identities_are_clean() {
        let items = sample();
        let mut countries = HashSet::new();
        let mut orgs = 0;
        for i in items.iter().filter(|i| scenario(i) == sc::CLEAN) {
            let phone = s(i, "phone_number");
            assert!(is_e164(phone), "{phone}");
            let country = s(i, "country");
            let c = COUNTRIES.iter().find(|c| c.alpha2 == country).unwrap();
            assert!(
                phone[1..].starts_with(c.calling_code),
                "{phone} vs {country}"
            );
            assert!(email_ok(s(i, "email_address")), "{}", s(i, "email_address"));
            countries.insert(country.to_string());
            if s(i, "identity_type") == "organization" {
                orgs += 1;
                assert!(!s(i, "organization_name").is_empty());
            } else {
                let age = age_on(dob_of(i), now().date_naive());
                assert!((18..=100).contains(&age), "{age}");
                assert!(!s(i, "first_name").is_empty() && !s(i, "last_name").is_empty());
                assert!(matches!(s(i, "gender"), "male" | "female"));
                assert_eq!(s(i, "nationality"), country);
            }
            assert!(!s(i, "city").is_empty() && !s(i, "street").is_empty());
        }
        assert!(countries.len() >= 30, "{}", countries.len());
        assert!(orgs >= 10, "{orgs}");
    }

    #[test]
    fn no_accidental_duplicates() {
        let items = sample();
        let mut emails: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut phones: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut people: BTreeMap<(String, String, String), Vec<&str>> = BTreeMap::new();
        for i in &items {
            emails
                .entry(s(i, "email_address"))
                .or_default()
                .push(scenario(i));
            phones
                .entry(s(i, "phone_number"))
                .or_default()
                .push(scenario(i));
            if s(i, "identity_type") == "individual" && !s(i, "dob").is_empty() {
                let mut toks =
                    name_tokens(&format!("{} {}", s(i, "first_name"), s(i, "last_name")));
                toks.sort();
                people
                    .entry((toks.join(" "), String::new(), s(i, "dob").to_string()))
                    .or_default()
                    .push(scenario(i));
            }
        }
        let check = |label: &str, groups: Vec<&Vec<&str>>| {
            let shared: Vec<_> = groups.into_iter().filter(|g| g.len() > 1).collect();
            assert!(shared.len() >= 3, "{label}: {shared:?}");
            for g in shared {
                assert!(g.iter().all(|l| *l == label), "{label}: {g:?}");
                assert_eq!(g.len(), 2);
            }
        };
        check(sc::DUPLICATE_EMAIL, emails.values().collect());
        check(sc::DUPLICATE_PHONE, phones.values().collect());
        check(sc::DUPLICATE_NAME_DOB, people.values().collect());
    }

    #[test]
    fn dob_scenarios() {
        let today = now().date_naive();
        for i in sample() {
            match scenario(&i) {
                sc::MINOR => assert!(age_on(dob_of(&i), today) < 18, "{i}"),
                sc::TOO_OLD => assert!(age_on(dob_of(&i), today) > 120, "{i}"),
                sc::DOB_FUTURE => assert!(dob_of(&i) > today),
                sc::DOB_ZERO_DATE => assert_eq!(i["dob"], "0001-01-01T00:00:00Z"),
                sc::DOB_MISSING => assert_eq!(i["dob"], ""),
                _ if s(&i, "identity_type") == "individual" => {
                    let age = age_on(dob_of(&i), today);
                    assert!((18..=100).contains(&age), "{i}");
                    assert!(s(&i, "dob").ends_with("T00:00:00Z"));
                }
                _ => assert_eq!(i["dob"], ""),
            }
        }
        // exact birthday arithmetic, including 29 February
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(age_on(d(2008, 11, 24), d(2026, 11, 24)), 18);
        assert_eq!(age_on(d(2008, 11, 25), d(2026, 11, 24)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), 18);
    }

    #[test]
    fn contact_and_country_scenarios() {
        for i in sample() {
            let phone = s(&i, "phone_number");
            let country = s(&i, "country");
            match scenario(&i) {
                sc::BAD_EMAIL => assert!(!email_ok(s(&i, "email_address")), "{i}"),
                sc::PHONE_NOT_E164 => assert!(!is_e164(phone), "{phone}"),
                sc::PHONE_COUNTRY_MISMATCH => {
                    assert!(is_e164(phone));
                    let c = COUNTRIES.iter().find(|c| c.alpha2 == country).unwrap();
                    assert!(!phone[1..].starts_with(c.calling_code), "{phone} {country}");
                }
                sc::COUNTRY_UNMAPPABLE => assert!(UNMAPPABLE_COUNTRIES.contains(&country)),
                sc::COUNTRY_ALPHA3 => {
                    let c = COUNTRIES.iter().find(|c| c.alpha3 == country).unwrap();
                    assert!(phone[1..].starts_with(c.calling_code));
                }
                sc::COUNTRY_NAME => {
                    let c = COUNTRIES.iter().find(|c| c.name == country).unwrap();
                    assert!(phone[1..].starts_with(c.calling_code));
                }
                sc::ORG_WITHOUT_NAME => {
                    assert_eq!(i["identity_type"], "organization");
                    assert_eq!(i["organization_name"], "");
                }
                sc::TOKENIZED => {
                    let fields = i["meta_data"]["tokenized_fields"].as_object().unwrap();
                    assert!(!fields.is_empty());
                    for (f, v) in fields {
                        assert_eq!(v, &Value::Bool(true));
                        assert!(s(&i, f).starts_with("tok_"), "{f} in {i}");
                    }
                }
                _ => assert!(i["meta_data"].get("tokenized_fields").is_none()),
            }
        }
        let m = counts(&sample());
        let names: HashSet<String> = sample()
            .iter()
            .filter(|i| scenario(i) == sc::COUNTRY_NAME)
            .map(|i| s(i, "country").to_string())
            .collect();
        assert!(
            names.contains("Nigeria") && names.contains("United Kingdom"),
            "{names:?} {m:?}"
        );
        assert!(sample()
            .iter()
            .any(|i| scenario(i) == sc::COUNTRY_ALPHA3 && i["country"] == "NGA"));
        assert!(sample()
            .iter()
            .any(|i| scenario(i) == sc::COUNTRY_UNMAPPABLE && i["country"] == "Atlantis"));
    }

    #[test]
    fn sanctions_variants_match_their_entry() {
        let names = sample_sanctioned_names();
        let items = sample();
        let mut kinds: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for i in items
            .iter()
            .filter(|i| scenario(i).starts_with("sanctions_"))
        {
            let label = scenario(i);
            let org = s(i, "identity_type") == "organization";
            let k = kinds.entry(label).or_default();
            if org {
                k.1 += 1;
            } else {
                k.0 += 1;
            }
            let query = full_name(i);
            if label == sc::SANCTIONS_NEAR_MISS {
                assert!(i["meta_data"]["sandbox"].get("list_entity_id").is_none());
                assert_eq!(is_hit(&query, &names), None, "{query}");
                let mut sharing = 0;
                for e in &names {
                    let (sc, pairs) = best_against(&query, e);
                    assert!(sc < 0.85, "{query} vs {}: {sc}", e.name);
                    assert!(pairs <= 1, "{query} vs {}", e.name);
                    sharing += usize::from(pairs == 1);
                }
                assert!(sharing >= 1, "{query} shares no token with the list");
                continue;
            }
            let id = i["meta_data"]["sandbox"]["list_entity_id"]
                .as_str()
                .unwrap();
            let entry = names.iter().find(|n| n.entity_id == id).unwrap();
            assert_eq!(entry.is_individual, !org, "{query}");
            let (sc, pairs) = best_against(&query, entry);
            assert!(
                sc >= 0.85 && pairs >= 2,
                "{label}: {query} vs {}: {sc}",
                entry.name
            );
            if !org {
                if let Some(dob) = entry.dob {
                    assert_eq!(s(i, "dob"), dob_text(dob));
                }
            }
            let listed: Vec<String> = name_tokens(&entry.name);
            let mut got = name_tokens(&query);
            match label {
                sc::SANCTIONS_EXACT => {
                    got.sort();
                    let mut want = listed.clone();
                    want.sort();
                    assert_eq!(got, want);
                }
                sc::SANCTIONS_REORDERED => {
                    let (_, family) = split_listed_person(&entry.name);
                    assert_eq!(s(i, "first_name"), family);
                }
                sc::SANCTIONS_ACCENTED => {
                    let raw = format!(
                        "{} {} {}",
                        s(i, "first_name"),
                        s(i, "other_names"),
                        s(i, "last_name")
                    );
                    let (given, family) = split_listed_person(&entry.name);
                    let plain = format!("{} {}", given.join(" "), family);
                    assert_ne!(
                        raw.split_whitespace().collect::<Vec<_>>(),
                        plain.split_whitespace().collect::<Vec<_>>()
                    );
                    assert_eq!(
                        fold(&raw).split_whitespace().collect::<Vec<_>>(),
                        fold(&plain).split_whitespace().collect::<Vec<_>>()
                    );
                }
                sc::SANCTIONS_MISSPELLED => {
                    let mut want = listed.clone();
                    got.sort();
                    want.sort();
                    let differing: Vec<(&String, &String)> =
                        got.iter().zip(&want).filter(|(a, b)| a != b).collect();
                    // one token edited by one substitution (sorting may shift one position)
                    let edited: Vec<&String> = got.iter().filter(|t| !want.contains(t)).collect();
                    assert_eq!(edited.len(), 1, "{query} vs {}: {differing:?}", entry.name);
                    let t = edited[0];
                    assert!(t.chars().count() >= 5);
                    assert!(want.iter().any(|w| w.len() == t.len()
                        && w.chars().zip(t.chars()).filter(|(a, b)| a != b).count() == 1));
                }
                sc::SANCTIONS_ALIAS => {
                    assert!(
                        entry.aliases.iter().any(|a| {
                            let mut x = name_tokens(a);
                            x.sort();
                            got.sort();
                            x == got
                        }),
                        "{query}"
                    );
                }
                other => panic!("unexpected {other}"),
            }
        }
        for (label, (people, orgs)) in &kinds {
            assert!(people + orgs >= 5, "{label}");
            assert!(*people >= 1, "{label}");
            if !matches!(*label, sc::SANCTIONS_REORDERED | sc::SANCTIONS_ACCENTED) {
                assert!(*orgs >= 1, "{label}: {kinds:?}");
            }
        }
        assert_eq!(kinds.len(), 6);
    }

    #[test]
    fn innocent_identities_do_not_hit_the_list() {
        let names = sample_sanctioned_names();
        for i in sample() {
            if scenario(&i).starts_with("sanctions_") || scenario(&i) == sc::TOKENIZED {
                continue;
            }
            let q = full_name(&i);
            assert_eq!(is_hit(&q, &names), None, "{q}");
        }
    }

    #[test]
    fn listed_people_split_into_given_and_family() {
        let (given, family) = split_listed_person("VOLKANOV, Dragomir Ilyich");
        assert_eq!(
            (given, family.as_str()),
            (
                vec!["Dragomir".to_string(), "Ilyich".to_string()],
                "Volkanov"
            )
        );
        let (_, family) = split_listed_person("FERREIRA DA SILVA, Marcelo Augusto");
        assert_eq!(family, "Ferreira da Silva");
        let (_, family) = split_listed_person("BÄCKSTRÖM, Åsa Margareta");
        assert_eq!(family, "Bäckström");
        assert_eq!(
            title_company("PACIFIC HORIZON SHIPPING CO., LTD."),
            "Pacific Horizon Shipping Co., Ltd."
        );
        assert_eq!(
            title_company("TRANS-ANDEAN LOGISTICS S.A.S."),
            "Trans-Andean Logistics S.A.S."
        );
        let items = sample();
        let exact = items.iter().find(|i| {
            scenario(i) == sc::SANCTIONS_EXACT
                && i["identity_type"] == "individual"
                && !s(i, "other_names").is_empty()
        });
        assert!(exact.is_some());
    }

    #[test]
    fn small_and_empty_inputs() {
        let names = sample_sanctioned_names();
        assert!(generate(1, 0, now(), &names).is_empty());
        let few = generate(1, 12, now(), &names);
        assert_eq!(few.len(), 12);
        assert!(
            few.iter().all(|i| scenario(i) != sc::CLEAN),
            "scenarios come first"
        );
        let without_list = generate(1, 150, now(), &[]);
        assert_eq!(without_list.len(), 150);
        assert!(without_list
            .iter()
            .all(|i| !scenario(i).starts_with("sanctions_")));
        let big = generate(3, 1000, now(), &names);
        let m = counts(&big);
        assert!(
            sc::ALL.iter().all(|l| m.get(*l).copied().unwrap_or(0) >= 5),
            "{m:?}"
        );
    }

    #[test]
    fn helpers() {
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 1e-3);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert_eq!(
            fold("Bäckström Åsa Ørsted Łódź"),
            "Backstrom Asa Orsted Lodz"
        );
        assert_eq!(slug("O'Brien-Smith"), "obriensmith");
        let mut rng = Rng(5);
        for _ in 0..50 {
            let parts = vec!["Dragomir".to_string(), "Volkanov".to_string()];
            let (i, edited) = misspell(&mut rng, &parts).unwrap();
            assert_ne!(edited, parts[i]);
            assert_eq!(edited.len(), parts[i].len());
        }
        assert!(misspell(&mut rng, &["Bao".to_string(), "Ng".to_string()]).is_none());
    }
}
