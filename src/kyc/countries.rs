//! ISO 3166-1 countries: codes, English short names, common aliases and demonyms, and E.164
//! country calling codes.
//!
//! Blnk identities carry `country` and `nationality` as free text (`NG`, `NGA`, `Nigeria`,
//! `Nigerian`), so [`normalize_country`] maps every common spelling to the alpha-2 code. Lookups
//! ignore case, accents, punctuation and spacing, a leading "the", and read "St"/"St." as "Saint"
//! and "&" as "and".
//!
//! Calling codes are digit strings without the leading `+` (`"44"`). Members of the North American
//! Numbering Plan other than the US and Canada are listed by their `1` + area-code prefixes
//! (Jamaica `"1876"`, `"1658"`), and dependencies that share a code with a larger country list a
//! longer prefix where one identifies them (Isle of Man `"441624"` next to the shared `"44"`), so
//! that [`country_for_phone`] can take the longest matching prefix.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One ISO 3166-1 entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    pub alpha2: &'static str,
    pub alpha3: &'static str,
    /// English short name (ISO 3166-1 style).
    pub name: &'static str,
    /// Other names, abbreviations and demonyms that unambiguously mean this country.
    pub aliases: &'static [&'static str],
    /// E.164 calling-code prefixes, digits only (see the module docs).
    pub calling_codes: &'static [&'static str],
}

const fn c(
    alpha2: &'static str,
    alpha3: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    calling_codes: &'static [&'static str],
) -> Country {
    Country {
        alpha2,
        alpha3,
        name,
        aliases,
        calling_codes,
    }
}

/// All 249 ISO 3166-1 entries, ordered by alpha-2 code.
pub static COUNTRIES: &[Country] = &[
    c("AD", "AND", "Andorra", &["Andorran"], &["376"]),
    c(
        "AE",
        "ARE",
        "United Arab Emirates",
        &["UAE", "Emirates", "Emirati"],
        &["971"],
    ),
    c("AF", "AFG", "Afghanistan", &["Afghan"], &["93"]),
    c(
        "AG",
        "ATG",
        "Antigua and Barbuda",
        &["Antigua", "Antiguan"],
        &["1268"],
    ),
    c("AI", "AIA", "Anguilla", &["Anguillan"], &["1264"]),
    c("AL", "ALB", "Albania", &["Albanian"], &["355"]),
    c("AM", "ARM", "Armenia", &["Armenian"], &["374"]),
    c("AO", "AGO", "Angola", &["Angolan"], &["244"]),
    c("AQ", "ATA", "Antarctica", &[], &["672"]),
    c(
        "AR",
        "ARG",
        "Argentina",
        &["Argentine", "Argentinian"],
        &["54"],
    ),
    c("AS", "ASM", "American Samoa", &[], &["1684"]),
    c("AT", "AUT", "Austria", &["Austrian", "Österreich"], &["43"]),
    c("AU", "AUS", "Australia", &["Australian"], &["61"]),
    c("AW", "ABW", "Aruba", &["Aruban"], &["297"]),
    c("AX", "ALA", "Åland Islands", &["Aland"], &["35818"]),
    c(
        "AZ",
        "AZE",
        "Azerbaijan",
        &["Azerbaijani", "Azeri"],
        &["994"],
    ),
    c(
        "BA",
        "BIH",
        "Bosnia and Herzegovina",
        &["Bosnia", "Bosnian"],
        &["387"],
    ),
    c("BB", "BRB", "Barbados", &["Barbadian", "Bajan"], &["1246"]),
    c("BD", "BGD", "Bangladesh", &["Bangladeshi"], &["880"]),
    c("BE", "BEL", "Belgium", &["Belgian"], &["32"]),
    c("BF", "BFA", "Burkina Faso", &["Burkinabe"], &["226"]),
    c("BG", "BGR", "Bulgaria", &["Bulgarian"], &["359"]),
    c("BH", "BHR", "Bahrain", &["Bahraini"], &["973"]),
    c("BI", "BDI", "Burundi", &["Burundian"], &["257"]),
    c("BJ", "BEN", "Benin", &["Beninese"], &["229"]),
    c("BL", "BLM", "Saint Barthélemy", &["St Barts"], &["590"]),
    c("BM", "BMU", "Bermuda", &["Bermudian"], &["1441"]),
    c(
        "BN",
        "BRN",
        "Brunei Darussalam",
        &["Brunei", "Bruneian"],
        &["673"],
    ),
    c(
        "BO",
        "BOL",
        "Bolivia (Plurinational State of)",
        &["Bolivia", "Bolivian"],
        &["591"],
    ),
    c(
        "BQ",
        "BES",
        "Bonaire, Sint Eustatius and Saba",
        &["Bonaire", "Caribbean Netherlands"],
        &["5997"],
    ),
    c("BR", "BRA", "Brazil", &["Brazilian", "Brasil"], &["55"]),
    c("BS", "BHS", "Bahamas", &["Bahamian"], &["1242"]),
    c("BT", "BTN", "Bhutan", &["Bhutanese"], &["975"]),
    c("BV", "BVT", "Bouvet Island", &[], &[]),
    c("BW", "BWA", "Botswana", &["Motswana", "Batswana"], &["267"]),
    c("BY", "BLR", "Belarus", &["Belarusian"], &["375"]),
    c("BZ", "BLZ", "Belize", &["Belizean"], &["501"]),
    c("CA", "CAN", "Canada", &["Canadian"], &["1"]),
    c(
        "CC",
        "CCK",
        "Cocos (Keeling) Islands",
        &["Cocos Islands", "Keeling Islands"],
        &["6189162"],
    ),
    c(
        "CD",
        "COD",
        "Congo, Democratic Republic of the",
        &[
            "DR Congo",
            "DRC",
            "Congo-Kinshasa",
            "Congo (Kinshasa)",
            "Zaire",
        ],
        &["243"],
    ),
    c(
        "CF",
        "CAF",
        "Central African Republic",
        &["CAR", "Central African"],
        &["236"],
    ),
    c(
        "CG",
        "COG",
        "Congo",
        &[
            "Republic of the Congo",
            "Congo-Brazzaville",
            "Congo (Brazzaville)",
        ],
        &["242"],
    ),
    c(
        "CH",
        "CHE",
        "Switzerland",
        &["Swiss", "Schweiz", "Suisse"],
        &["41"],
    ),
    c(
        "CI",
        "CIV",
        "Côte d'Ivoire",
        &["Ivory Coast", "Ivorian"],
        &["225"],
    ),
    c("CK", "COK", "Cook Islands", &[], &["682"]),
    c("CL", "CHL", "Chile", &["Chilean"], &["56"]),
    c("CM", "CMR", "Cameroon", &["Cameroonian"], &["237"]),
    c(
        "CN",
        "CHN",
        "China",
        &["Chinese", "PRC", "People's Republic of China"],
        &["86"],
    ),
    c("CO", "COL", "Colombia", &["Colombian"], &["57"]),
    c("CR", "CRI", "Costa Rica", &["Costa Rican"], &["506"]),
    c("CU", "CUB", "Cuba", &["Cuban"], &["53"]),
    c(
        "CV",
        "CPV",
        "Cabo Verde",
        &["Cape Verde", "Cape Verdean"],
        &["238"],
    ),
    c("CW", "CUW", "Curaçao", &[], &["5999"]),
    c("CX", "CXR", "Christmas Island", &[], &["6189164"]),
    c("CY", "CYP", "Cyprus", &["Cypriot"], &["357"]),
    c(
        "CZ",
        "CZE",
        "Czechia",
        &["Czech Republic", "Czech"],
        &["420"],
    ),
    c("DE", "DEU", "Germany", &["German", "Deutschland"], &["49"]),
    c("DJ", "DJI", "Djibouti", &["Djiboutian"], &["253"]),
    c("DK", "DNK", "Denmark", &["Danish", "Dane"], &["45"]),
    c("DM", "DMA", "Dominica", &[], &["1767"]),
    c(
        "DO",
        "DOM",
        "Dominican Republic",
        &["Dominican"],
        &["1809", "1829", "1849"],
    ),
    c("DZ", "DZA", "Algeria", &["Algerian"], &["213"]),
    c("EC", "ECU", "Ecuador", &["Ecuadorian"], &["593"]),
    c("EE", "EST", "Estonia", &["Estonian"], &["372"]),
    c("EG", "EGY", "Egypt", &["Egyptian"], &["20"]),
    c("EH", "ESH", "Western Sahara", &["Sahrawi"], &["212"]),
    c("ER", "ERI", "Eritrea", &["Eritrean"], &["291"]),
    c("ES", "ESP", "Spain", &["Spanish", "España"], &["34"]),
    c("ET", "ETH", "Ethiopia", &["Ethiopian"], &["251"]),
    c("FI", "FIN", "Finland", &["Finnish", "Finn"], &["358"]),
    c("FJ", "FJI", "Fiji", &["Fijian"], &["679"]),
    c(
        "FK",
        "FLK",
        "Falkland Islands (Malvinas)",
        &["Falkland Islands", "Falklands"],
        &["500"],
    ),
    c(
        "FM",
        "FSM",
        "Micronesia (Federated States of)",
        &["Micronesia", "Micronesian"],
        &["691"],
    ),
    c(
        "FO",
        "FRO",
        "Faroe Islands",
        &["Faroes", "Faroese"],
        &["298"],
    ),
    c("FR", "FRA", "France", &["French"], &["33"]),
    c("GA", "GAB", "Gabon", &["Gabonese"], &["241"]),
    c(
        "GB",
        "GBR",
        "United Kingdom of Great Britain and Northern Ireland",
        &[
            "United Kingdom",
            "UK",
            "U.K.",
            "Great Britain",
            "Britain",
            "British",
            "England",
            "English",
            "Scotland",
            "Scottish",
            "Wales",
            "Welsh",
            "Northern Ireland",
        ],
        &["44"],
    ),
    c("GD", "GRD", "Grenada", &["Grenadian"], &["1473"]),
    c("GE", "GEO", "Georgia", &["Georgian"], &["995"]),
    c("GF", "GUF", "French Guiana", &[], &["594"]),
    c("GG", "GGY", "Guernsey", &[], &["44", "441481"]),
    c("GH", "GHA", "Ghana", &["Ghanaian"], &["233"]),
    c("GI", "GIB", "Gibraltar", &["Gibraltarian"], &["350"]),
    c("GL", "GRL", "Greenland", &["Greenlandic"], &["299"]),
    c("GM", "GMB", "Gambia", &["Gambian"], &["220"]),
    c("GN", "GIN", "Guinea", &["Guinean"], &["224"]),
    c("GP", "GLP", "Guadeloupe", &[], &["590"]),
    c(
        "GQ",
        "GNQ",
        "Equatorial Guinea",
        &["Equatoguinean"],
        &["240"],
    ),
    c(
        "GR",
        "GRC",
        "Greece",
        &["Greek", "Hellenic Republic"],
        &["30"],
    ),
    c(
        "GS",
        "SGS",
        "South Georgia and the South Sandwich Islands",
        &["South Georgia"],
        &["500"],
    ),
    c("GT", "GTM", "Guatemala", &["Guatemalan"], &["502"]),
    c("GU", "GUM", "Guam", &[], &["1671"]),
    c("GW", "GNB", "Guinea-Bissau", &["Bissau-Guinean"], &["245"]),
    c("GY", "GUY", "Guyana", &["Guyanese"], &["592"]),
    c("HK", "HKG", "Hong Kong", &["Hong Kong SAR"], &["852"]),
    c("HM", "HMD", "Heard Island and McDonald Islands", &[], &[]),
    c("HN", "HND", "Honduras", &["Honduran"], &["504"]),
    c("HR", "HRV", "Croatia", &["Croatian", "Hrvatska"], &["385"]),
    c("HT", "HTI", "Haiti", &["Haitian"], &["509"]),
    c("HU", "HUN", "Hungary", &["Hungarian"], &["36"]),
    c("ID", "IDN", "Indonesia", &["Indonesian"], &["62"]),
    c(
        "IE",
        "IRL",
        "Ireland",
        &["Irish", "Republic of Ireland", "Eire"],
        &["353"],
    ),
    c("IL", "ISR", "Israel", &["Israeli"], &["972"]),
    c("IM", "IMN", "Isle of Man", &["Manx"], &["44", "441624"]),
    c("IN", "IND", "India", &["Indian"], &["91"]),
    c("IO", "IOT", "British Indian Ocean Territory", &[], &["246"]),
    c("IQ", "IRQ", "Iraq", &["Iraqi"], &["964"]),
    c(
        "IR",
        "IRN",
        "Iran (Islamic Republic of)",
        &["Iran", "Iranian"],
        &["98"],
    ),
    c(
        "IS",
        "ISL",
        "Iceland",
        &["Icelandic", "Icelander"],
        &["354"],
    ),
    c("IT", "ITA", "Italy", &["Italian", "Italia"], &["39"]),
    c("JE", "JEY", "Jersey", &[], &["44", "441534"]),
    c("JM", "JAM", "Jamaica", &["Jamaican"], &["1876", "1658"]),
    c("JO", "JOR", "Jordan", &["Jordanian"], &["962"]),
    c("JP", "JPN", "Japan", &["Japanese"], &["81"]),
    c("KE", "KEN", "Kenya", &["Kenyan"], &["254"]),
    c(
        "KG",
        "KGZ",
        "Kyrgyzstan",
        &["Kyrgyz", "Kyrgyz Republic"],
        &["996"],
    ),
    c("KH", "KHM", "Cambodia", &["Cambodian"], &["855"]),
    c("KI", "KIR", "Kiribati", &[], &["686"]),
    c("KM", "COM", "Comoros", &["Comorian"], &["269"]),
    c(
        "KN",
        "KNA",
        "Saint Kitts and Nevis",
        &["Saint Christopher and Nevis"],
        &["1869"],
    ),
    c(
        "KP",
        "PRK",
        "Korea (Democratic People's Republic of)",
        &[
            "North Korea",
            "DPRK",
            "North Korean",
            "Democratic People's Republic of Korea",
        ],
        &["850"],
    ),
    c(
        "KR",
        "KOR",
        "Korea, Republic of",
        &["South Korea", "South Korean", "Korea (Republic of)"],
        &["82"],
    ),
    c("KW", "KWT", "Kuwait", &["Kuwaiti"], &["965"]),
    c(
        "KY",
        "CYM",
        "Cayman Islands",
        &["Caymanian", "Caymans"],
        &["1345"],
    ),
    c(
        "KZ",
        "KAZ",
        "Kazakhstan",
        &["Kazakh", "Kazakhstani"],
        &["7"],
    ),
    c(
        "LA",
        "LAO",
        "Lao People's Democratic Republic",
        &["Laos", "Lao", "Lao PDR", "Laotian"],
        &["856"],
    ),
    c("LB", "LBN", "Lebanon", &["Lebanese"], &["961"]),
    c("LC", "LCA", "Saint Lucia", &["Saint Lucian"], &["1758"]),
    c("LI", "LIE", "Liechtenstein", &[], &["423"]),
    c("LK", "LKA", "Sri Lanka", &["Sri Lankan"], &["94"]),
    c("LR", "LBR", "Liberia", &["Liberian"], &["231"]),
    c("LS", "LSO", "Lesotho", &["Basotho", "Mosotho"], &["266"]),
    c("LT", "LTU", "Lithuania", &["Lithuanian"], &["370"]),
    c(
        "LU",
        "LUX",
        "Luxembourg",
        &["Luxembourgish", "Luxembourger"],
        &["352"],
    ),
    c("LV", "LVA", "Latvia", &["Latvian"], &["371"]),
    c("LY", "LBY", "Libya", &["Libyan"], &["218"]),
    c("MA", "MAR", "Morocco", &["Moroccan"], &["212"]),
    c("MC", "MCO", "Monaco", &["Monegasque"], &["377"]),
    c(
        "MD",
        "MDA",
        "Moldova, Republic of",
        &["Moldova", "Moldovan"],
        &["373"],
    ),
    c("ME", "MNE", "Montenegro", &["Montenegrin"], &["382"]),
    c(
        "MF",
        "MAF",
        "Saint Martin (French part)",
        &["Saint-Martin"],
        &["590"],
    ),
    c("MG", "MDG", "Madagascar", &["Malagasy"], &["261"]),
    c("MH", "MHL", "Marshall Islands", &["Marshallese"], &["692"]),
    c(
        "MK",
        "MKD",
        "North Macedonia",
        &["Macedonia", "Macedonian", "FYROM"],
        &["389"],
    ),
    c("ML", "MLI", "Mali", &["Malian"], &["223"]),
    c("MM", "MMR", "Myanmar", &["Burma", "Burmese"], &["95"]),
    c("MN", "MNG", "Mongolia", &["Mongolian"], &["976"]),
    c("MO", "MAC", "Macao", &["Macau", "Macao SAR"], &["853"]),
    c("MP", "MNP", "Northern Mariana Islands", &[], &["1670"]),
    c("MQ", "MTQ", "Martinique", &[], &["596"]),
    c("MR", "MRT", "Mauritania", &["Mauritanian"], &["222"]),
    c("MS", "MSR", "Montserrat", &[], &["1664"]),
    c("MT", "MLT", "Malta", &["Maltese"], &["356"]),
    c("MU", "MUS", "Mauritius", &["Mauritian"], &["230"]),
    c("MV", "MDV", "Maldives", &["Maldivian"], &["960"]),
    c("MW", "MWI", "Malawi", &["Malawian"], &["265"]),
    c("MX", "MEX", "Mexico", &["Mexican", "México"], &["52"]),
    c("MY", "MYS", "Malaysia", &["Malaysian"], &["60"]),
    c("MZ", "MOZ", "Mozambique", &["Mozambican"], &["258"]),
    c("NA", "NAM", "Namibia", &["Namibian"], &["264"]),
    c("NC", "NCL", "New Caledonia", &[], &["687"]),
    c("NE", "NER", "Niger", &["Nigerien"], &["227"]),
    c("NF", "NFK", "Norfolk Island", &[], &["6723"]),
    c("NG", "NGA", "Nigeria", &["Nigerian"], &["234"]),
    c("NI", "NIC", "Nicaragua", &["Nicaraguan"], &["505"]),
    c(
        "NL",
        "NLD",
        "Netherlands",
        &[
            "Netherlands (Kingdom of the)",
            "Holland",
            "Dutch",
            "Nederland",
        ],
        &["31"],
    ),
    c("NO", "NOR", "Norway", &["Norwegian"], &["47"]),
    c("NP", "NPL", "Nepal", &["Nepalese", "Nepali"], &["977"]),
    c("NR", "NRU", "Nauru", &["Nauruan"], &["674"]),
    c("NU", "NIU", "Niue", &[], &["683"]),
    c(
        "NZ",
        "NZL",
        "New Zealand",
        &["New Zealander", "Aotearoa"],
        &["64"],
    ),
    c("OM", "OMN", "Oman", &["Omani"], &["968"]),
    c("PA", "PAN", "Panama", &["Panamanian"], &["507"]),
    c("PE", "PER", "Peru", &["Peruvian"], &["51"]),
    c("PF", "PYF", "French Polynesia", &[], &["689"]),
    c(
        "PG",
        "PNG",
        "Papua New Guinea",
        &["Papua New Guinean"],
        &["675"],
    ),
    c(
        "PH",
        "PHL",
        "Philippines",
        &["Filipino", "Philippine"],
        &["63"],
    ),
    c("PK", "PAK", "Pakistan", &["Pakistani"], &["92"]),
    c("PL", "POL", "Poland", &["Polish", "Polska"], &["48"]),
    c("PM", "SPM", "Saint Pierre and Miquelon", &[], &["508"]),
    c("PN", "PCN", "Pitcairn", &["Pitcairn Islands"], &["64"]),
    c(
        "PR",
        "PRI",
        "Puerto Rico",
        &["Puerto Rican"],
        &["1787", "1939"],
    ),
    c(
        "PS",
        "PSE",
        "Palestine, State of",
        &["Palestine", "Palestinian"],
        &["970"],
    ),
    c("PT", "PRT", "Portugal", &["Portuguese"], &["351"]),
    c("PW", "PLW", "Palau", &["Palauan"], &["680"]),
    c("PY", "PRY", "Paraguay", &["Paraguayan"], &["595"]),
    c("QA", "QAT", "Qatar", &["Qatari"], &["974"]),
    c("RE", "REU", "Réunion", &[], &["262"]),
    c("RO", "ROU", "Romania", &["Romanian"], &["40"]),
    c("RS", "SRB", "Serbia", &["Serbian"], &["381"]),
    c(
        "RU",
        "RUS",
        "Russian Federation",
        &["Russia", "Russian"],
        &["7"],
    ),
    c("RW", "RWA", "Rwanda", &["Rwandan"], &["250"]),
    c("SA", "SAU", "Saudi Arabia", &["Saudi", "KSA"], &["966"]),
    c("SB", "SLB", "Solomon Islands", &[], &["677"]),
    c("SC", "SYC", "Seychelles", &["Seychellois"], &["248"]),
    c("SD", "SDN", "Sudan", &["Sudanese"], &["249"]),
    c("SE", "SWE", "Sweden", &["Swedish", "Swede"], &["46"]),
    c("SG", "SGP", "Singapore", &["Singaporean"], &["65"]),
    c(
        "SH",
        "SHN",
        "Saint Helena, Ascension and Tristan da Cunha",
        &["Saint Helena"],
        &["290", "247"],
    ),
    c("SI", "SVN", "Slovenia", &["Slovenian", "Slovene"], &["386"]),
    c(
        "SJ",
        "SJM",
        "Svalbard and Jan Mayen",
        &["Svalbard"],
        &["4779"],
    ),
    c(
        "SK",
        "SVK",
        "Slovakia",
        &["Slovak", "Slovak Republic"],
        &["421"],
    ),
    c("SL", "SLE", "Sierra Leone", &["Sierra Leonean"], &["232"]),
    c("SM", "SMR", "San Marino", &["Sammarinese"], &["378"]),
    c("SN", "SEN", "Senegal", &["Senegalese"], &["221"]),
    c("SO", "SOM", "Somalia", &["Somali"], &["252"]),
    c(
        "SR",
        "SUR",
        "Suriname",
        &["Surinamese", "Surinam"],
        &["597"],
    ),
    c("SS", "SSD", "South Sudan", &["South Sudanese"], &["211"]),
    c(
        "ST",
        "STP",
        "Sao Tome and Principe",
        &["São Tomé and Príncipe"],
        &["239"],
    ),
    c("SV", "SLV", "El Salvador", &["Salvadoran"], &["503"]),
    c(
        "SX",
        "SXM",
        "Sint Maarten (Dutch part)",
        &["Sint Maarten"],
        &["1721"],
    ),
    c(
        "SY",
        "SYR",
        "Syrian Arab Republic",
        &["Syria", "Syrian"],
        &["963"],
    ),
    c("SZ", "SWZ", "Eswatini", &["Swaziland", "Swazi"], &["268"]),
    c(
        "TC",
        "TCA",
        "Turks and Caicos Islands",
        &["Turks and Caicos"],
        &["1649"],
    ),
    c("TD", "TCD", "Chad", &["Chadian"], &["235"]),
    c("TF", "ATF", "French Southern Territories", &[], &[]),
    c("TG", "TGO", "Togo", &["Togolese"], &["228"]),
    c("TH", "THA", "Thailand", &["Thai"], &["66"]),
    c("TJ", "TJK", "Tajikistan", &["Tajik"], &["992"]),
    c("TK", "TKL", "Tokelau", &[], &["690"]),
    c(
        "TL",
        "TLS",
        "Timor-Leste",
        &["East Timor", "Timorese"],
        &["670"],
    ),
    c("TM", "TKM", "Turkmenistan", &["Turkmen"], &["993"]),
    c("TN", "TUN", "Tunisia", &["Tunisian"], &["216"]),
    c("TO", "TON", "Tonga", &["Tongan"], &["676"]),
    c("TR", "TUR", "Türkiye", &["Turkey", "Turkish"], &["90"]),
    c(
        "TT",
        "TTO",
        "Trinidad and Tobago",
        &["Trinidad", "Trinidadian"],
        &["1868"],
    ),
    c("TV", "TUV", "Tuvalu", &["Tuvaluan"], &["688"]),
    c(
        "TW",
        "TWN",
        "Taiwan, Province of China",
        &["Taiwan", "Taiwanese"],
        &["886"],
    ),
    c(
        "TZ",
        "TZA",
        "Tanzania, United Republic of",
        &["Tanzania", "Tanzanian"],
        &["255"],
    ),
    c("UA", "UKR", "Ukraine", &["Ukrainian"], &["380"]),
    c("UG", "UGA", "Uganda", &["Ugandan"], &["256"]),
    c(
        "UM",
        "UMI",
        "United States Minor Outlying Islands",
        &[],
        &[],
    ),
    c(
        "US",
        "USA",
        "United States of America",
        &["United States", "U.S.", "U.S.A.", "America", "American"],
        &["1"],
    ),
    c("UY", "URY", "Uruguay", &["Uruguayan"], &["598"]),
    c("UZ", "UZB", "Uzbekistan", &["Uzbek"], &["998"]),
    c(
        "VA",
        "VAT",
        "Holy See",
        &["Vatican", "Vatican City"],
        &["379", "3906698"],
    ),
    c(
        "VC",
        "VCT",
        "Saint Vincent and the Grenadines",
        &["Saint Vincent", "Vincentian"],
        &["1784"],
    ),
    c(
        "VE",
        "VEN",
        "Venezuela (Bolivarian Republic of)",
        &["Venezuela", "Venezuelan"],
        &["58"],
    ),
    c(
        "VG",
        "VGB",
        "Virgin Islands (British)",
        &["British Virgin Islands", "BVI"],
        &["1284"],
    ),
    c(
        "VI",
        "VIR",
        "Virgin Islands (U.S.)",
        &["US Virgin Islands", "United States Virgin Islands", "USVI"],
        &["1340"],
    ),
    c("VN", "VNM", "Viet Nam", &["Vietnam", "Vietnamese"], &["84"]),
    c("VU", "VUT", "Vanuatu", &["Ni-Vanuatu"], &["678"]),
    c("WF", "WLF", "Wallis and Futuna", &[], &["681"]),
    c("WS", "WSM", "Samoa", &["Samoan"], &["685"]),
    c("YE", "YEM", "Yemen", &["Yemeni"], &["967"]),
    c("YT", "MYT", "Mayotte", &[], &["262269", "262639"]),
    c(
        "ZA",
        "ZAF",
        "South Africa",
        &["South African", "RSA"],
        &["27"],
    ),
    c("ZM", "ZMB", "Zambia", &["Zambian"], &["260"]),
    c("ZW", "ZWE", "Zimbabwe", &["Zimbabwean"], &["263"]),
];

/// Fold text for comparison: lower case, Latin accents removed (`é`→`e`, `ß`→`ss`, `Ø`→`o`),
/// apostrophes dropped, every other non-alphanumeric character turned into a single space, and
/// surrounding space trimmed. `"Côte d’Ivoire"` → `"cote divoire"`.
pub fn fold_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for ch in s.chars().flat_map(char::to_lowercase) {
        if matches!(ch, '\'' | '’' | '‘' | '`' | '´' | 'ʼ') {
            continue;
        }
        let mut buf = [0u8; 4];
        let folded = fold_char(ch).unwrap_or_else(|| ch.encode_utf8(&mut buf));
        for f in folded.chars() {
            if f.is_alphanumeric() {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(f);
            } else {
                pending_space = true;
            }
        }
    }
    out
}

/// The ASCII folding of one lower-case character where a Latin base letter exists; `None` keeps
/// the character as it is (non-Latin letters stay letters, punctuation stays punctuation).
fn fold_char(ch: char) -> Option<&'static str> {
    let s = match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ẽ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        '&' => " and ",
        _ => return None,
    };
    Some(s)
}

/// The lookup key of a country spelling: folded, a leading "the" dropped, "st" read as "saint",
/// then all spaces removed (so "Cote D Ivoire" and "Côte d'Ivoire" share a key).
fn lookup_key(s: &str) -> String {
    let folded = fold_text(s);
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    words
        .iter()
        .map(|w| if *w == "st" { "saint" } else { *w })
        .collect::<String>()
}

/// Every spelling a country is known by: codes, the ISO name, the "X, Y of" name read as
/// "Y of X", and the aliases.
fn spellings(country: &Country) -> Vec<String> {
    let mut out = vec![
        country.alpha2.to_string(),
        country.alpha3.to_string(),
        country.name.to_string(),
    ];
    if let Some((head, tail)) = country.name.split_once(", ") {
        out.push(format!("{tail} {head}"));
    }
    out.extend(country.aliases.iter().map(|a| a.to_string()));
    out
}

/// Build the lookup index; returns it together with any key claimed by two different countries
/// (there must be none; a unit test checks).
fn build_index() -> (HashMap<String, &'static Country>, Vec<String>) {
    let mut map: HashMap<String, &'static Country> = HashMap::new();
    let mut conflicts = Vec::new();
    for country in COUNTRIES {
        for spelling in spellings(country) {
            let key = lookup_key(&spelling);
            if key.is_empty() {
                continue;
            }
            match map.get(&key) {
                Some(existing) if existing.alpha2 != country.alpha2 => {
                    conflicts.push(format!("{key}: {} vs {}", existing.alpha2, country.alpha2));
                }
                Some(_) => {}
                None => {
                    map.insert(key, country);
                }
            }
        }
    }
    (map, conflicts)
}

fn index() -> &'static HashMap<String, &'static Country> {
    static INDEX: OnceLock<HashMap<String, &'static Country>> = OnceLock::new();
    INDEX.get_or_init(|| build_index().0)
}

/// The full entry for an input in any supported spelling.
pub fn lookup(input: &str) -> Option<&'static Country> {
    let key = lookup_key(input);
    if key.is_empty() {
        return None;
    }
    index().get(&key).copied()
}

/// The entry for an exact ISO alpha-2 code (any case).
pub fn by_alpha2(alpha2: &str) -> Option<&'static Country> {
    let code = alpha2.trim();
    COUNTRIES
        .iter()
        .find(|c| c.alpha2.eq_ignore_ascii_case(code))
}

/// Normalise free-text country or nationality to an ISO 3166-1 alpha-2 code: alpha-2 (any case),
/// alpha-3, English names and common aliases/demonyms ("UK" → `GB`, "USA" → `US`,
/// "Côte d'Ivoire" → `CI`, "Nigerian" → `NG`). `None` when nothing matches.
pub fn normalize_country(input: &str) -> Option<&'static str> {
    lookup(input).map(|c| c.alpha2)
}

/// The English short name of an alpha-2 code, or `None` for an unknown code.
pub fn country_name(alpha2: &str) -> Option<&'static str> {
    by_alpha2(alpha2).map(|c| c.name)
}

/// The E.164 calling-code prefixes of a country (digits, no `+`); empty for unknown codes and
/// for the few uninhabited territories without one.
pub fn calling_codes(alpha2: &str) -> &'static [&'static str] {
    by_alpha2(alpha2).map(|c| c.calling_codes).unwrap_or(&[])
}

/// The countries an E.164 number belongs to, by longest calling-code prefix. `+1 212…` →
/// `["CA", "US"]` (shared code), `+1 876…` → `["JM"]`, `+44 1624…` → `["IM"]`, `+7…` →
/// `["KZ", "RU"]`. Accepts the number with or without `+`; spaces and punctuation are ignored.
/// Empty when no code matches. The result is sorted.
pub fn country_for_phone(e164: &str) -> Vec<&'static str> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Vec::new();
    }
    let mut best_len = 0usize;
    let mut best: Vec<&'static str> = Vec::new();
    for country in COUNTRIES {
        for code in country.calling_codes {
            if !digits.starts_with(code) {
                continue;
            }
            if code.len() > best_len {
                best_len = code.len();
                best.clear();
                best.push(country.alpha2);
            } else if code.len() == best_len && !best.contains(&country.alpha2) {
                best.push(country.alpha2);
            }
        }
    }
    best.sort_unstable();
    best
}

/// The longest calling-code prefix of a number (digits, no `+`), if any country has one.
pub fn calling_code_of(e164: &str) -> Option<&'static str> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    COUNTRIES
        .iter()
        .flat_map(|c| c.calling_codes.iter().copied())
        .filter(|code| digits.starts_with(code))
        .max_by_key(|code| code.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_is_complete_and_consistent() {
        assert_eq!(COUNTRIES.len(), 249);
        let a2: HashSet<_> = COUNTRIES.iter().map(|c| c.alpha2).collect();
        let a3: HashSet<_> = COUNTRIES.iter().map(|c| c.alpha3).collect();
        assert_eq!(a2.len(), 249);
        assert_eq!(a3.len(), 249);
        for c in COUNTRIES {
            assert_eq!(c.alpha2.len(), 2, "{}", c.alpha2);
            assert_eq!(c.alpha3.len(), 3, "{}", c.alpha3);
            assert!(c.alpha2.chars().all(|x| x.is_ascii_uppercase()));
            assert!(c.alpha3.chars().all(|x| x.is_ascii_uppercase()));
            for code in c.calling_codes {
                assert!(code.chars().all(|x| x.is_ascii_digit()), "{code}");
                assert!(!code.starts_with('0'), "{code}");
            }
        }
        let mut sorted: Vec<_> = COUNTRIES.iter().map(|c| c.alpha2).collect();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            COUNTRIES.iter().map(|c| c.alpha2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn no_spelling_maps_to_two_countries() {
        let (_, conflicts) = build_index();
        assert!(conflicts.is_empty(), "{conflicts:?}");
    }

    #[test]
    fn every_name_and_code_round_trips() {
        for c in COUNTRIES {
            assert_eq!(normalize_country(c.alpha2), Some(c.alpha2));
            assert_eq!(normalize_country(&c.alpha2.to_lowercase()), Some(c.alpha2));
            assert_eq!(normalize_country(c.alpha3), Some(c.alpha2));
            assert_eq!(normalize_country(c.name), Some(c.alpha2), "{}", c.name);
        }
    }

    #[test]
    fn common_spellings() {
        let cases = [
            ("UK", "GB"),
            ("uk", "GB"),
            ("U.K.", "GB"),
            ("United Kingdom", "GB"),
            ("Great Britain", "GB"),
            ("British", "GB"),
            ("GBR", "GB"),
            ("gb", "GB"),
            ("USA", "US"),
            ("usa", "US"),
            ("U.S.A.", "US"),
            ("United States of America", "US"),
            ("the United States", "US"),
            ("American", "US"),
            ("NG", "NG"),
            ("NGA", "NG"),
            ("Nigeria", "NG"),
            ("nigerian", "NG"),
            (" Nigerian ", "NG"),
            ("German", "DE"),
            ("DEU", "DE"),
            ("French", "FR"),
            ("Côte d'Ivoire", "CI"),
            ("Cote d’Ivoire", "CI"),
            ("COTE D IVOIRE", "CI"),
            ("cote divoire", "CI"),
            ("Ivory Coast", "CI"),
            ("Réunion", "RE"),
            ("Reunion", "RE"),
            ("São Tomé and Príncipe", "ST"),
            ("Curacao", "CW"),
            ("Türkiye", "TR"),
            ("Turkey", "TR"),
            ("Åland Islands", "AX"),
            ("Korea, Republic of", "KR"),
            ("Republic of Korea", "KR"),
            ("South Korea", "KR"),
            ("North Korea", "KP"),
            ("Democratic Republic of the Congo", "CD"),
            ("Congo", "CG"),
            ("St. Lucia", "LC"),
            ("St Kitts & Nevis", "KN"),
            ("Iran", "IR"),
            ("Bosnia & Herzegovina", "BA"),
            ("the Netherlands", "NL"),
            ("Vietnam", "VN"),
            ("Czech Republic", "CZ"),
            ("UAE", "AE"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_country(input), Some(want), "{input}");
        }
    }

    #[test]
    fn unmappable_inputs() {
        for input in [
            "",
            "   ",
            "Atlantis",
            "XX",
            "ZZZ",
            "Korea",
            "Congolese",
            "U",
            "12",
            "--",
        ] {
            assert_eq!(normalize_country(input), None, "{input}");
        }
    }

    #[test]
    fn fold_text_removes_accents_and_punctuation() {
        assert_eq!(fold_text("  Côte d’Ivoire "), "cote divoire");
        assert_eq!(fold_text("José-María  ÑÚÑEZ"), "jose maria nunez");
        assert_eq!(fold_text("Straße"), "strasse");
        assert_eq!(fold_text("O'Brien, Seán"), "obrien sean");
        assert_eq!(fold_text("Łódź"), "lodz");
        assert_eq!(fold_text("Trinidad & Tobago"), "trinidad and tobago");
    }

    #[test]
    fn calling_codes_table() {
        assert_eq!(calling_codes("GB"), &["44"]);
        assert_eq!(calling_codes("gb"), &["44"]);
        assert_eq!(calling_codes("US"), &["1"]);
        assert_eq!(calling_codes("CA"), &["1"]);
        assert_eq!(calling_codes("RU"), &["7"]);
        assert_eq!(calling_codes("KZ"), &["7"]);
        assert_eq!(calling_codes("NG"), &["234"]);
        assert_eq!(calling_codes("JM"), &["1876", "1658"]);
        assert!(calling_codes("XX").is_empty());
        assert!(calling_codes("BV").is_empty());
    }

    #[test]
    fn phone_to_country_by_longest_prefix() {
        assert_eq!(country_for_phone("+12125550100"), vec!["CA", "US"]);
        assert_eq!(country_for_phone("+18765550100"), vec!["JM"]);
        assert_eq!(country_for_phone("+74951234567"), vec!["KZ", "RU"]);
        assert_eq!(
            country_for_phone("+447911123456"),
            vec!["GB", "GG", "IM", "JE"]
        );
        assert_eq!(country_for_phone("+441624123456"), vec!["IM"]);
        assert_eq!(country_for_phone("+2348031234567"), vec!["NG"]);
        assert_eq!(country_for_phone("+33 1 23 45 67 89"), vec!["FR"]);
        assert_eq!(country_for_phone("+262262123456"), vec!["RE"]);
        assert_eq!(country_for_phone("+262639123456"), vec!["YT"]);
        assert_eq!(country_for_phone("+5999123456"), vec!["CW"]);
        assert!(country_for_phone("+999123456").is_empty());
        assert!(country_for_phone("").is_empty());
        assert_eq!(calling_code_of("+2348031234567"), Some("234"));
        assert_eq!(calling_code_of("+18765550100"), Some("1876"));
        assert_eq!(calling_code_of("+999"), None);
    }

    #[test]
    fn names() {
        assert_eq!(country_name("ci"), Some("Côte d'Ivoire"));
        assert_eq!(country_name("XX"), None);
    }
}
