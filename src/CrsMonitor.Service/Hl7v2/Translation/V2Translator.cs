using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>The message types this service takes, each to its translator; any other is answered AR.</summary>
internal sealed class V2Translator(OruTranslator oru, AdtTranslator adt, RasTranslator ras)
{
    public static readonly IReadOnlyList<string> Supported =
        ["ORU^R01", "ADT^A01", "ADT^A02", "ADT^A03", "ADT^A04", "ADT^A08", "ADT^A11", "ADT^A13", "RAS^O17"];

    /// <summary>The message as FHIR entries, or null when its type (MSH-9) is not one this service takes.</summary>
    public V2Translation? Translate(Er7Message message, MessageHeader header) => header.Type switch
    {
        "ORU^R01" => oru.Translate(message, header),
        "ADT^A01" or "ADT^A02" or "ADT^A03" or "ADT^A04" or "ADT^A08" or "ADT^A11" or "ADT^A13" => adt.Translate(message, header),
        "RAS^O17" => ras.Translate(message, header),
        _ => null,
    };
}
