namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>
/// Real-world-shaped messages (the bases the malformed corpus mutates and the fuzz seeds copy): an IHE PCD-01 ORU^R01
/// from a bedside monitor with MDC codes, an ADT^A01 admission, a RAS^O17 administration of tocilizumab, an ACK with
/// an ERR segment, and a v2.7 message with a truncation character. Segments end with CR, as on the wire.
/// </summary>
public static class Er7Samples
{
    public static readonly string Oru = Lines(
        @"MSH|^~\&|PHILIPS_IX^0080B8FFFE0B1A2C^EUI-64|ICU-7|CRSMONITOR|HOSP|20250301080512+0100||ORU^R01^ORU_R01|MSG00042|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        @"PID|||0012345^^^HOSP^MR~998877^^^NHS^NH||Doe^Jane^Q^^^^L||19800101|F",
        @"PV1||I|ICU^7^1^HOSP",
        @"OBR|1|MSG00042^PHILIPS_IX|MSG00042^PHILIPS_IX|182777000^monitoring of patient^SNOMED-CT|||20250301080500+0100",
        @"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0080B8FFFE0B1A2C^^0080B8FFFE0B1A2C^EUI-64",
        @"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|97|262688^MDC_DIM_PERCENT^MDC|90-100||||R|||20250301080500+0100",
        @"OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.2|88|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120||||R|||20250301080500+0100",
        @"OBX|4|NM|150344^MDC_TEMP^MDC|1.1.1.3|38.6|268192^MDC_DIM_DEGC^MDC|36.0-37.5|H|||R|||20250301080500+0100",
        @"OBX|5|NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.1.2.1|86|266016^MDC_DIM_MMHG^MDC|90-140|L|||R|||20250301080500+0100",
        @"OBX|6|NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.1.2.2|52|266016^MDC_DIM_MMHG^MDC|||||R|||20250301080500+0100",
        @"OBX|7|NM|151562^MDC_RESP_RATE^MDC|1.1.1.4|24|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||20250301080500+0100",
        @"NTE|1||Cuff on left arm\.br\re-measured after 5 min \H\(manual)\N\ SpO\X32\ probe ok");

    public static readonly string Adt = Lines(
        @"MSH|^~\&|EPIC|HOSP|CRSMONITOR|HOSP|20250301073000||ADT^A01^ADT_A01|ADT0001|P|2.5.1",
        @"EVN|A01|20250301073000",
        @"PID|1||0012345^^^HOSP^MR~""""||O'Brien-Müller^Seán^^^^^L||19750512|M|||1 Main St^^Dublin^^D01^IRL||",
        @"PV1|1|I|ICU^7^1^HOSP||||1234^Smith^John^^^Dr||||||||||||V0001^^^HOSP^VN");

    public static readonly string Ras = Lines(
        @"MSH|^~\&|PHARM|HOSP|CRSMONITOR|HOSP|20250301090000||RAS^O17^RAS_O17|RAS0001|P|2.5",
        @"PID|1||0012345^^^HOSP^MR||Doe^Jane",
        @"ORC|RE|ORD123^PHARM|FIL456^PHARM",
        @"RXA|0|1|20250301085500|20250301085500|TCZ^tocilizumab 8 mg/kg^LOCAL|8|mg/kg&milligram per kilogram&UCUM|||||||||||||CP",
        @"RXR|IV^intravenous^HL70162");

    public static readonly string Ack = Lines(
        @"MSH|^~\&|CRSMONITOR|HOSP|PHILIPS_IX|ICU-7|20250301080513||ACK^R01^ACK|ACK00042|P|2.6",
        @"MSA|AE|MSG00042",
        @"ERR||OBX^4^5^1|103^Table value not found^HL70357|E||||Value \E\ not in range\F\ check");

    /// <summary>v2.7 with a truncation character (<c>#</c>): <c>\P\</c> is one, a raw <c>#</c> is data.</summary>
    public static readonly string Truncating = Lines(
        @"MSH|^~\&#|LAB|HOSP|CRSMONITOR|HOSP|20250301100000||ORU^R01^ORU_R01|LAB0001|P|2.7",
        @"OBX|1|ST|8310-5^Body temperature^LN||bed #4 probe\P\|Cel^degree Celsius^UCUM");

    public static IEnumerable<(string Name, string Text)> All =>
        [("oru", Oru), ("adt", Adt), ("ras", Ras), ("ack", Ack), ("truncating", Truncating)];

    public static string Lines(params string[] segments) => string.Join('\r', segments) + "\r";
}
