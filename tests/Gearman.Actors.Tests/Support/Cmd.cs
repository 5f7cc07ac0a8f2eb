namespace Gearman.Actors.Tests.Support;

/// <summary>
/// Gearman packet type numbers, written out here (not taken from the product) so the tests check the server
/// against the protocol document independently of the product's own codec.
/// </summary>
public static class Cmd
{
    public const int CanDo = 1;
    public const int CantDo = 2;
    public const int ResetAbilities = 3;
    public const int PreSleep = 4;
    public const int Noop = 6;
    public const int SubmitJob = 7;
    public const int JobCreated = 8;
    public const int GrabJob = 9;
    public const int NoJob = 10;
    public const int JobAssign = 11;
    public const int WorkStatus = 12;
    public const int WorkComplete = 13;
    public const int WorkFail = 14;
    public const int GetStatus = 15;
    public const int EchoReq = 16;
    public const int EchoRes = 17;
    public const int SubmitJobBg = 18;
    public const int Error = 19;
    public const int StatusRes = 20;
    public const int SubmitJobHigh = 21;
    public const int SetClientId = 22;
    public const int CanDoTimeout = 23;
    public const int AllYours = 24;
    public const int WorkException = 25;
    public const int OptionReq = 26;
    public const int OptionRes = 27;
    public const int WorkData = 28;
    public const int WorkWarning = 29;
    public const int GrabJobUniq = 30;
    public const int JobAssignUniq = 31;
    public const int SubmitJobHighBg = 32;
    public const int SubmitJobLow = 33;
    public const int SubmitJobLowBg = 34;
    public const int SubmitJobSched = 35;
    public const int SubmitJobEpoch = 36;
    public const int SubmitReduceJob = 37;
    public const int SubmitReduceJobBackground = 38;
    public const int GrabJobAll = 39;
    public const int JobAssignAll = 40;
    public const int GetStatusUnique = 41;
    public const int StatusResUnique = 42;

    /// <summary>How many arguments a packet the server sends carries (the last one may hold NULs).</summary>
    public static int ResponseArgCount(int type) => type switch
    {
        Noop or NoJob => 0,
        JobCreated or WorkFail or EchoRes or OptionRes => 1,
        WorkComplete or WorkException or WorkData or WorkWarning or Error => 2,
        JobAssign or WorkStatus => 3,
        JobAssignUniq => 4,
        StatusRes or JobAssignAll => 5,
        StatusResUnique => 6,
        _ => 1,
    };

    public static string Name(int type) => type switch
    {
        CanDo => "CAN_DO", CantDo => "CANT_DO", ResetAbilities => "RESET_ABILITIES", PreSleep => "PRE_SLEEP",
        Noop => "NOOP", SubmitJob => "SUBMIT_JOB", JobCreated => "JOB_CREATED", GrabJob => "GRAB_JOB",
        NoJob => "NO_JOB", JobAssign => "JOB_ASSIGN", WorkStatus => "WORK_STATUS", WorkComplete => "WORK_COMPLETE",
        WorkFail => "WORK_FAIL", GetStatus => "GET_STATUS", EchoReq => "ECHO_REQ", EchoRes => "ECHO_RES",
        SubmitJobBg => "SUBMIT_JOB_BG", Error => "ERROR", StatusRes => "STATUS_RES", SubmitJobHigh => "SUBMIT_JOB_HIGH",
        SetClientId => "SET_CLIENT_ID", CanDoTimeout => "CAN_DO_TIMEOUT", AllYours => "ALL_YOURS",
        WorkException => "WORK_EXCEPTION", OptionReq => "OPTION_REQ", OptionRes => "OPTION_RES", WorkData => "WORK_DATA",
        WorkWarning => "WORK_WARNING", GrabJobUniq => "GRAB_JOB_UNIQ", JobAssignUniq => "JOB_ASSIGN_UNIQ",
        SubmitJobHighBg => "SUBMIT_JOB_HIGH_BG", SubmitJobLow => "SUBMIT_JOB_LOW", SubmitJobLowBg => "SUBMIT_JOB_LOW_BG",
        SubmitJobSched => "SUBMIT_JOB_SCHED", SubmitJobEpoch => "SUBMIT_JOB_EPOCH", SubmitReduceJob => "SUBMIT_REDUCE_JOB",
        SubmitReduceJobBackground => "SUBMIT_REDUCE_JOB_BACKGROUND", GrabJobAll => "GRAB_JOB_ALL",
        JobAssignAll => "JOB_ASSIGN_ALL", GetStatusUnique => "GET_STATUS_UNIQUE", StatusResUnique => "STATUS_RES_UNIQUE",
        _ => $"#{type}",
    };
}
