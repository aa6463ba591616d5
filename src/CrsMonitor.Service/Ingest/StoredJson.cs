using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The JSON a resource is stored as, serialised once when it is accepted: the resource as sent without <c>id</c> and
/// <c>meta</c> (the content, which is also what its hash is taken over), and the pieces around the three values only
/// the store knows (id, <c>meta.versionId</c>, <c>meta.lastUpdated</c>). <see cref="Stamp"/> joins them: the result is
/// byte for byte what serialising the resource with those values set gives (Firely puts <c>resourceType</c>, then
/// <c>id</c>, then <c>meta</c> first, and <c>versionId</c>, <c>lastUpdated</c> in <c>meta</c>'s element order).
/// </summary>
public sealed class StoredJson
{
    /// <summary>Markers serialised in place of the stamp in a client's own meta (profile, tag, source...), then cut out.</summary>
    private const string VersionMarker = "crsmonitor-version-marker";

    private static readonly DateTimeOffset LastUpdatedMarker = DateTimeOffset.UnixEpoch;

    private static readonly string MarkerText =
        $"\"versionId\":\"{VersionMarker}\",\"lastUpdated\":\"{FormatInstant(LastUpdatedMarker)}\"";

    private readonly string head;
    private readonly string metaBefore;
    private readonly string metaAfter;

    private StoredJson(string content, string head, string metaBefore, string metaAfter)
    {
        Content = content;
        this.head = head;
        this.metaBefore = metaBefore;
        this.metaAfter = metaAfter;
        ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
    }

    /// <summary>The resource as sent, without id and meta (compact FHIR JSON).</summary>
    public string Content { get; }

    /// <summary>SHA-256 of <see cref="Content"/> (lower-case hex): the same content resent is recognised as the same.</summary>
    public string ContentHash { get; }

    /// <summary>
    /// Serialises <paramref name="resource"/> once (its id and meta are set aside for the time of the call and put
    /// back). Call it when the resource is final: after a transaction's references were resolved.
    /// </summary>
    public static StoredJson Of(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var (id, meta) = (resource.Id, resource.Meta);
        string content;
        try
        {
            resource.Id = null;
            resource.Meta = null;
            content = FhirJson.Serialize(resource);
        }
        finally
        {
            resource.Id = id;
            resource.Meta = meta;
        }

        var head = $"{{\"resourceType\":\"{resource.TypeName}\"";
        if (!content.StartsWith(head, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The serialised {resource.TypeName} does not start with its resourceType");
        }

        var (before, after) = MetaAround(meta);
        return new StoredJson(content, head, before, after);
    }

    /// <summary>The stored JSON: the content with the server's id and meta (versionId, lastUpdated) in their place.</summary>
    public string Stamp(string id, int versionId, DateTimeOffset lastUpdated)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!Endpoints.FhirIds.IsValid(id))
        {
            throw new ArgumentException($"'{id}' is not a FHIR id", nameof(id));
        }

        var json = new StringBuilder(Content.Length + metaBefore.Length + metaAfter.Length + id.Length + 80);
        json.Append(head).Append(",\"id\":\"").Append(id).Append("\",\"meta\":").Append(metaBefore)
            .Append("\"versionId\":\"").Append(versionId.ToString(CultureInfo.InvariantCulture))
            .Append("\",\"lastUpdated\":\"").Append(FormatInstant(lastUpdated)).Append('"')
            .Append(metaAfter).Append(Content, head.Length, Content.Length - head.Length);
        return json.ToString();
    }

    /// <summary>An instant as Firely writes <c>meta.lastUpdated</c>.</summary>
    private static string FormatInstant(DateTimeOffset at) => Hl7.Fhir.ElementModel.Types.DateTime.FormatDateTimeOffset(at);

    /// <summary>
    /// The client's meta around the stamp: without one (or with nothing but versionId and lastUpdated, which the
    /// server replaces) just the braces; otherwise that meta serialised once with markers in place of the stamp.
    /// </summary>
    private static (string Before, string After) MetaAround(Meta? meta)
    {
        if (meta is null)
        {
            return ("{", "}");
        }

        var copy = (Meta)meta.DeepCopy();
        copy.VersionId = VersionMarker;
        copy.LastUpdated = LastUpdatedMarker;
        var json = FhirJsonSerializer.Default.SerializeToString(copy, pretty: false);
        var at = json.IndexOf(MarkerText, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException("The serialised meta does not hold the stamp's markers");
        }

        return (json[..at], json[(at + MarkerText.Length)..]);
    }
}
