using Microsoft.Extensions.Primitives;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>What a write answers in its body (FHIR R4 <c>Prefer: return=</c>; RFC 7240).</summary>
public enum ReturnPreference
{
    /// <summary>The resource as stored (the default, as FHIR clients expect).</summary>
    Representation,

    /// <summary>No body: the headers (Location, ETag, Last-Modified) say what was stored.</summary>
    Minimal,

    /// <summary>An OperationOutcome: what was stored, and every warning.</summary>
    OperationOutcome,
}

/// <summary>The <c>Prefer</c> header's preferences this service honours: <c>return</c>.</summary>
public static class FhirPrefer
{
    /// <summary>The <c>return=</c> preference of the request; an absent or unknown one is the default, representation.</summary>
    public static ReturnPreference ReturnOf(StringValues prefer)
    {
        foreach (var value in PreferencesOf(prefer, "return"))
        {
            switch (value.ToLowerInvariant())
            {
                case "minimal":
                    return ReturnPreference.Minimal;
                case "operationoutcome":
                    return ReturnPreference.OperationOutcome;
                case "representation":
                    return ReturnPreference.Representation;
                default:
                    break;
            }
        }

        return ReturnPreference.Representation;
    }

    /// <summary>The values of preference <paramref name="name"/> in every Prefer header (comma-separated, parameters after ';' ignored).</summary>
    public static IEnumerable<string> PreferencesOf(StringValues prefer, string name)
    {
        foreach (var header in prefer)
        {
            foreach (var item in (header ?? string.Empty).Split(','))
            {
                var token = item.Split(';')[0].Trim();
                var equals = token.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && token[..equals].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    yield return token[(equals + 1)..].Trim().Trim('"');
                }
            }
        }
    }
}
