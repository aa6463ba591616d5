using System.Globalization;
using Hl7.Fhir.Model;
using Range = System.Range;
using Microsoft.AspNetCore.Http.Extensions;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// Where a search result sits in the search's order: effective time (UTC ticks; none sorts first), then id (ordinal).
/// Ids are unique within a patient's Observations, and a derived grade Observation's id is fixed by its patient, scale
/// and instant, so no two matches share a key.
/// </summary>
public readonly record struct SearchKey(long UtcTicks, string Id) : IComparable<SearchKey>
{
    public static SearchKey Of(DateTimeOffset? at, string id) => new(at?.UtcTicks ?? 0, id);

    public int CompareTo(SearchKey other)
    {
        var byTime = UtcTicks.CompareTo(other.UtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(Id, other.Id);
    }

    public static bool operator <(SearchKey left, SearchKey right) => left.CompareTo(right) < 0;

    public static bool operator >(SearchKey left, SearchKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(SearchKey left, SearchKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(SearchKey left, SearchKey right) => left.CompareTo(right) >= 0;
}

/// <summary>
/// The <c>_page</c> parameter of a <c>next</c> or <c>previous</c> link: the matches strictly after (or before) a key,
/// written <c>after.{utc ticks}.{id}</c> / <c>before.{utc ticks}.{id}</c>. Keyset paging (README decision log): a page
/// starts after the last match the client was given, so a match written between two pages never shifts another
/// into a page twice or out of every page, as an offset would.
/// </summary>
public sealed record PageCursor(bool Before, SearchKey Key)
{
    public const string Parameter = "_page";

    public static PageCursor After(SearchKey key) => new(false, key);

    public static PageCursor BeforeKey(SearchKey key) => new(true, key);

    public static bool TryParse(string value, out PageCursor? cursor)
    {
        ArgumentNullException.ThrowIfNull(value);
        cursor = null;
        var parts = value.Split('.', 3);
        if (parts.Length != 3 || parts[0] is not ("after" or "before")
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks || !FhirIds.IsValid(parts[2]))
        {
            return false;
        }

        cursor = new PageCursor(parts[0] == "before", new SearchKey(ticks, parts[2]));
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Before ? "before" : "after")}.{Key.UtcTicks}.{Key.Id}");
}

/// <summary>One page of sorted matches and the links around it.</summary>
public static class SearchPaging
{
    /// <summary>
    /// The page of <paramref name="keys"/> (sorted ascending) the query asks for: the first <c>_count</c>, the
    /// <c>_count</c> after a cursor, or the <c>_count</c> just before one.
    /// </summary>
    public static Range Window(IReadOnlyList<SearchKey> keys, ObservationQuery query)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(query);
        if (query.CountOnly)
        {
            return 0..0;
        }

        if (query.Page is not { } page)
        {
            return 0..Math.Min(query.Count, keys.Count);
        }

        var split = 0;
        while (split < keys.Count && (page.Before ? keys[split] < page.Key : keys[split] <= page.Key))
        {
            split++;
        }

        return page.Before ? Math.Max(0, split - query.Count)..split : split..Math.Min(keys.Count, split + query.Count);
    }

    /// <summary>
    /// <c>self</c> (the query as understood, with its page), <c>first</c>, and <c>previous</c> / <c>next</c> where there are
    /// matches before / after this page. Absolute, on the address the request came to (scheme, host, PathBase).
    /// </summary>
    public static IEnumerable<Bundle.LinkComponent> Links(HttpRequest request, ObservationQuery query, IReadOnlyList<SearchKey> keys, Range window)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(keys);
        var (start, length) = window.GetOffsetAndLength(keys.Count);
        yield return Link("self", request, query, query.Page);
        if (query.CountOnly)
        {
            yield break;
        }

        yield return Link("first", request, query, null);
        if (length > 0 && start > 0)
        {
            yield return Link("previous", request, query, PageCursor.BeforeKey(keys[start]));
        }

        if (length > 0 && start + length < keys.Count)
        {
            yield return Link("next", request, query, PageCursor.After(keys[start + length - 1]));
        }
    }

    private static Bundle.LinkComponent Link(string relation, HttpRequest request, ObservationQuery query, PageCursor? page)
    {
        var parameters = page is null ? query.Applied : [.. query.Applied, new(PageCursor.Parameter, page.ToString())];
        var url = UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, QueryString.Create(parameters));
        return new Bundle.LinkComponent { Relation = relation, Url = url };
    }
}
