namespace CrsMonitor.Grading.Icans;

public static class IcansGrader
{
    public static GradeResult Grade(IcansInput input, GradingSettings settings) => throw new NotImplementedException();
}
