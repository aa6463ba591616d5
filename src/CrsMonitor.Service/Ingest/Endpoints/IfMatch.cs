using System.Globalization;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// <c>If-Match</c> (or a Bundle entry's <c>request.ifMatch</c>): the ETag of the version the client last read,
/// <c>W/"3"</c> as this service sends it (the strong form <c>"3"</c> is accepted too).
/// </summary>
public static class IfMatch
{
    /// <summary>The version, or a <see cref="FormatException"/> whose message the OperationOutcome quotes.</summary>
    public static int Parse(string value, string where)
    {
        ArgumentNullException.ThrowIfNull(value);
        var tag = value.Trim();
        if (tag.StartsWith("W/", StringComparison.Ordinal))
        {
            tag = tag[2..];
        }

        if (tag.Length >= 3 && tag[0] == '"' && tag[^1] == '"'
            && int.TryParse(tag[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1)
        {
            return version;
        }

        throw new FormatException($"{where} '{StorableText.Printable(value)}' is not a version ETag such as W/\"1\" (one version; '*' is not supported)");
    }
}
