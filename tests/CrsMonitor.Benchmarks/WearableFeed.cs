using System.Globalization;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// The FHIR JSON a wearable's gateway sends: one vital-sign Observation per reading (LOINC code, UCUM unit, the
/// patient, the time it was measured, a unique identifier), alone (POST /fhir/Observation) or many in a transaction
/// Bundle (POST /fhir), each entry with a urn:uuid fullUrl.
/// </summary>
public static class WearableFeed
{
    private const string Loinc = "http://loinc.org";
    private const string Ucum = "http://unitsofmeasure.org";

    /// <summary>One Observation (<paramref name="identifier"/> unique in the run's identifier system).</summary>
    public static string Observation(string runId, string patient, string identifier, VitalSample sample, string? device = null)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var (code, display, unit, unitCode) = sample.Sign switch
        {
            VitalSign.HeartRate => ("8867-4", "Heart rate", "beats/minute", "/min"),
            VitalSign.SpO2 => ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%"),
            VitalSign.RespiratoryRate => ("9279-1", "Respiratory rate", "breaths/minute", "/min"),
            _ => ("8310-5", "Body temperature", "Cel", "Cel"),
        };
        var at = sample.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var value = sample.Value.ToString(CultureInfo.InvariantCulture);
        return $$$"""
            {"resourceType":"Observation","identifier":[{"system":"urn:bench:{{{runId}}}","value":"{{{identifier}}}"}],"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"{{{Loinc}}}","code":"{{{code}}}","display":"{{{display}}}"}]},"subject":{"reference":"Patient/{{{patient}}}"},{{{Device(device)}}}"effectiveDateTime":"{{{at}}}","valueQuantity":{"value":{{{value}}},"unit":"{{{unit}}}","system":"{{{Ucum}}}","code":"{{{unitCode}}}"}}
            """;
    }

    /// <summary>
    /// <c>Observation.device</c> as a wearable's gateway sends it: a logical reference by the device's identifier (the
    /// gateway knows its devices' serial numbers, the service holds no Device resources); nothing when null.
    /// </summary>
    public static string Device(string? device) =>
        device is null ? string.Empty : $$$"""
        "device":{"identifier":{"system":"urn:bench:device","value":"{{{device}}}"}},
        """.Trim();

    /// <summary>A transaction Bundle of Observations (each POST Observation, with a urn:uuid fullUrl).</summary>
    public static byte[] Bundle(IEnumerable<string> observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        var json = new StringBuilder(100 * 700);
        json.Append("""{"resourceType":"Bundle","type":"transaction","entry":[""");
        var first = true;
        foreach (var observation in observations)
        {
            if (!first)
            {
                json.Append(',');
            }

            first = false;
            json.Append("""{"fullUrl":"urn:uuid:""").Append(Guid.NewGuid().ToString("D")).Append("\",\"resource\":").Append(observation)
                .Append(""","request":{"method":"POST","url":"Observation"}}""");
        }

        json.Append("]}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
