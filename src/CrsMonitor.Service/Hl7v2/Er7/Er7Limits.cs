namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// The most of each part one message may have. A bedside monitor's ORU has tens of segments and a handful of
/// repetitions; these bounds are orders of magnitude above any real message and keep a hostile one from costing more
/// memory than its own size suggests (every part is an object). Past a bound the parser refuses the message
/// (<see cref="Er7FormatException"/> at the first part too many).
/// </summary>
public static class Er7Limits
{
    public const int MaxSegments = 10_000;
    public const int MaxFields = 1_000;
    public const int MaxRepetitions = 1_000;
    public const int MaxComponents = 100;
    public const int MaxSubComponents = 100;
}
