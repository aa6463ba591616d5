namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>HL7 v2 messages as hospitals send them (segments joined by CR), for patient MRN-{id} of authority HOSP (urn:mrn).</summary>
public static class V2Messages
{
    public static string Msh(string type, string control, string app = "MONITOR", string facility = "7WEST", string version = "2.5.1") =>
        $"MSH|^~\\&|{app}|{facility}|CRSMONITOR|HOSPITAL|20250301080000+0000||{type}|{control}|P|{version}";

    public static string Pid(string patient) => $"PID|1||MRN-{patient}^^^HOSP^MR||Test^{patient}||19600501|F";

    public static string Join(params string[] segments) => string.Join('\r', segments) + "\r";

    public static string Admit(string control, string patient, string unit, string visit, string trigger = "A01") =>
        Join(Msh($"ADT^{trigger}^ADT_A01", control), $"EVN|{trigger}|20250301075500+0000", Pid(patient),
            $"PV1|1|I|{unit}^701^1||||||||||||||||V-{visit}^^^HOSP^VN|||||||||||||||||||||||||20250301075500+0000");

    /// <summary>A protocol drug given over [start, end] (HL7 timestamps).</summary>
    public static string Dose(string control, string patient, string order, string drug, string system, string start, string end) =>
        Join(Msh("RAS^O17^RAS_O17", control), Pid(patient), $"ORC|RE||{order}^EMAR", $"RXA|0|1|{start}|{end}|{drug}^{drug}^{system}|1|mg^mg^UCUM");

    /// <summary>One ORU with one OBX per (code^system, value, unit, status, time) row, under one OBR.</summary>
    public static string Vitals(string control, string patient, string order, string observed, params (string Code, string Value, string Unit, string Status)[] results) =>
        Join([Msh("ORU^R01^ORU_R01", control), Pid(patient), $"OBR|1||{order}^MONITOR|vitals^Vital signs^L|||{observed}",
            .. results.Select((r, i) => $"OBX|{i + 1}|NM|{r.Code}||{r.Value}|{r.Unit}|||||{r.Status}|||{observed}")]);
}
