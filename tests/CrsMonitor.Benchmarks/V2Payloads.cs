using System.Globalization;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// The HL7 v2 messages (ER7, segments joined by CR) the MLLP scenario sends: ADT^A01 admitting its patients to the
/// benchmark ward, and ORU^R01 vital signs with one OBX each (<see cref="NextSingle"/>) or a monitor's round of four
/// (<see cref="NextRound"/>), the same readings as <see cref="Payloads.NextVital"/> and <see cref="Payloads.NextRound"/>
/// (<see cref="RoundVitals"/>), spread over the patients round-robin, observed now (OBX-14 with milliseconds and
/// +0000). Each message has its own control id (MSH-10) and its own filler order number (OBR-3), so each result is a
/// new one, never a correction of another. Patients are PID-3 <c>MRN-{id}^^^BENCH^MR</c>; the service maps the
/// authority BENCH to <see cref="MrnSystem"/>, the system of the FHIR side's Patients (distinct ids: distinct patients).
/// </summary>
public sealed class V2Payloads(string runId, string patientPrefix, int patients)
{
    /// <summary>The assigning authority of PID-3 and PV1-19 (Hl7v2:AssigningAuthorities:BENCH, set by <see cref="ServiceProcess"/>).</summary>
    public const string Authority = "BENCH";

    /// <summary>The FHIR identifier system the authority maps to: the FHIR side's MRN system (<see cref="Payloads.Patient"/>).</summary>
    public const string MrnSystem = "urn:bench:mrn";

    /// <summary>The system of the result identifiers the service gives Observations from ORU (OruTranslator.ResultSystem).</summary>
    public const string ResultSystem = "https://crsmonitor.org/fhir/NamingSystem/hl7v2-result";

    private const string SendingApplication = "BENCHMON";

    private long sequence;

    public int Patients => patients;

    public string PatientId(int index) => $"{patientPrefix}-{index.ToString("D4", CultureInfo.InvariantCulture)}";

    /// <summary>The ADT^A01 admitting patient <paramref name="index"/> to <paramref name="unit"/> (the FHIR side's Patient and Encounter).</summary>
    public byte[] Admit(int index, string unit)
    {
        var id = PatientId(index);
        var now = Hl7Time(DateTimeOffset.UtcNow, milliseconds: false);
        return Encoding.UTF8.GetBytes(Join(
            Msh("BENCHADT", "ADT^A01^ADT_A01", $"{runId}-{id}-adt"),
            $"EVN|A01|{now}",
            Pid(id),
            $"PV1|1|I|{unit}^701^1||||||||||||||||V-{id}^^^{Authority}^VN|||||||||||||||||||||||||{now}"));
    }

    /// <summary>An ORU^R01 with one OBX: temperature, heart rate, SpO2 or systolic pressure in turn.</summary>
    public byte[] NextSingle()
    {
        var n = Interlocked.Increment(ref sequence);
        return Oru(n, [RoundVitals.Nth(n, patients)]);
    }

    /// <summary>An ORU^R01 with four OBX: a monitor's round (<see cref="RoundVitals.Round"/>) of one patient at one instant.</summary>
    public byte[] NextRound() => Oru(Interlocked.Increment(ref sequence), RoundVitals.Round);

    private byte[] Oru(long n, IReadOnlyList<RoundVital> vitals)
    {
        var now = DateTimeOffset.UtcNow;
        var observed = Hl7Time(now, milliseconds: true);
        var number = n.ToString(CultureInfo.InvariantCulture);
        var variation = RoundVitals.Variation(n, patients);
        var segments = new List<string>(3 + vitals.Count)
        {
            Msh(SendingApplication, "ORU^R01^ORU_R01", $"{runId}-{patientPrefix}-{number}"),
            Pid(PatientId((int)(n % patients))),
            $"OBR|1||{patientPrefix}-{number}^{SendingApplication}|vitals^Vital signs^L|||{observed}",
        };
        for (var i = 0; i < vitals.Count; i++)
        {
            var v = vitals[i];
            segments.Add($"OBX|{i + 1}|NM|{v.Loinc}^{v.Name}^LN||{v.ValueText(variation)}|{v.Ucum}^{v.UcumDisplay}^UCUM|||||F|||{observed}");
        }

        return Encoding.UTF8.GetBytes(Join([.. segments]));
    }

    private static string Msh(string application, string type, string control) =>
        $"MSH|^~\\&|{application}|{Authority}|CRSMONITOR|HOSPITAL|{Hl7Time(DateTimeOffset.UtcNow, milliseconds: false)}||{type}|{control}|P|2.5.1";

    private static string Pid(string id) => $"PID|1||MRN-{id}^^^{Authority}^MR||Bench^{id}||19610314|F";

    private static string Join(params string[] segments) => string.Join('\r', segments) + "\r";

    private static string Hl7Time(DateTimeOffset at, bool milliseconds) =>
        at.UtcDateTime.ToString(milliseconds ? "yyyyMMddHHmmss'.'fff'+0000'" : "yyyyMMddHHmmss'+0000'", CultureInfo.InvariantCulture);
}
