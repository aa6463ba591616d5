using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// Which HL7 v2 field each element of a FHIR resource made from a message came from, so that a refusal by the FHIR
/// rules (an OperationOutcome naming <c>Observation.valueQuantity.code</c>) is answered as the sender knows it: an ERR
/// naming OBX-6 of that OBX. An element no entry covers is placed at the whole segment the resource came from.
/// </summary>
public sealed class FieldMap(Er7Location whole)
{
    private readonly List<(string Element, Er7Location At)> fields = [];

    public Er7Location Whole => whole;

    /// <summary>The element (relative to the resource, e.g. <c>valueQuantity.code</c>, <c>effective</c>) came from <paramref name="at"/>.</summary>
    public FieldMap Add(string element, Er7Location at)
    {
        fields.Add((element, at));
        return this;
    }

    /// <summary>
    /// The field an element path came from: the longest mapped element the path starts with, where a mapped name may be
    /// followed by a choice type's suffix (<c>value</c> covers <c>valueQuantity.value</c>), an index or a child.
    /// </summary>
    public Er7Location Locate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var best = (Length: -1, At: whole);
        foreach (var (element, at) in fields)
        {
            if (element.Length > best.Length && Covers(element, path))
            {
                best = (element.Length, at);
            }
        }

        return best.At;
    }

    private static bool Covers(string element, string path) =>
        path.StartsWith(element, StringComparison.Ordinal)
        && (path.Length == element.Length || path[element.Length] is '.' or '[' || char.IsAsciiLetterUpper(path[element.Length]));
}
