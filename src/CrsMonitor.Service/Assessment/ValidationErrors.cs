namespace CrsMonitor.Service.Assessment;

/// <summary>Problems found in a request body, keyed by JSON path (<c>crs.oxygen.device</c>, <c>crs.vasopressors[0].end</c>).</summary>
internal sealed class ValidationErrors
{
    /// <summary>The key for problems with the body as a whole (not JSON, not an object, nothing to grade).</summary>
    public const string Body = "$";

    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool Any => errors.Count > 0;

    public bool Has(string path) => errors.ContainsKey(path);

    /// <summary>Whether there is a problem at <paramref name="path"/> or inside it (its items or fields).</summary>
    public bool HasUnder(string path) => errors.Keys.Any(k =>
        k == path || (k.StartsWith(path, StringComparison.Ordinal) && k.Length > path.Length && k[path.Length] is '.' or '['));

    public void Add(string path, string message)
    {
        if (!errors.TryGetValue(path, out var list))
        {
            errors[path] = list = [];
        }

        list.Add(message);
    }

    public IResult ToResult() => TypedResults.ValidationProblem(
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
        detail: "The request body is not valid; each key of 'errors' is the JSON path of a field, with what is wrong with it.",
        title: "Invalid request body");
}
