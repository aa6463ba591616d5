using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>One FHIR transaction entry made from a message, with the fields each of its elements came from.</summary>
public sealed record V2Entry(Resource Resource, Bundle.EntryComponent Entry, FieldMap Fields)
{
    /// <summary>A <c>POST {type}</c> entry named by a fresh <c>urn:uuid:</c> (other entries of the message may refer to it).</summary>
    public static V2Entry Create(Resource resource, FieldMap fields)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var entry = new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:" + Guid.NewGuid().ToString("D"),
            Resource = resource,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName },
        };
        return new V2Entry(resource, entry, fields);
    }
}

/// <summary>What a message becomes: the entries of one FHIR transaction, and the findings (errors refuse the message).</summary>
public sealed record V2Translation(IReadOnlyList<V2Entry> Entries, V2Findings Findings);
