namespace CrsMonitor.Service.Storage;

/// <summary>
/// An update made over a version other than the one the client last read (<c>If-Match</c>): another write came
/// first, and applying this one would lose it. <paramref name="current"/> is null when the resource does not exist.
/// </summary>
public sealed class StaleVersionException(string resourceType, string id, int expected, int? current)
    : Exception(current is { } now
        ? $"{resourceType}/{id} is at version {now}, not {expected}: read it again and resend the change"
        : $"{resourceType}/{id} does not exist, so it has no version {expected}")
{
    public string ResourceType { get; } = resourceType;

    public string Id { get; } = id;

    public int Expected { get; } = expected;

    public int? Current { get; } = current;
}
