namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// An ER7 message the parser refuses: where (<see cref="Location"/>, for ERR-2) and what, in plain English
/// (<see cref="Problem"/>, for ERR-8 and the log). Thrown by <see cref="Er7Parser.Parse"/> and
/// <see cref="Er7Text.Decode"/>; the MLLP listener answers it with an AE/AR acknowledgement, never with a dropped
/// connection, so it always carries both.
/// </summary>
public sealed class Er7FormatException : Exception
{
    public Er7FormatException(Er7Location location, string problem)
        : base($"{location ?? throw new ArgumentNullException(nameof(location))}: {problem ?? throw new ArgumentNullException(nameof(problem))}")
    {
        Location = location;
        Problem = problem;
    }

    /// <summary>Where the problem is (ERR-2).</summary>
    public Er7Location Location { get; }

    /// <summary>What is wrong, without the location (<see cref="Exception.Message"/> is <c>"{Location}: {Problem}"</c>).</summary>
    public string Problem { get; }
}
