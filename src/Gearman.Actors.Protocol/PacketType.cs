namespace Gearman.Actors.Protocol;

/// <summary>Binary packet types, numbered as in gearmand's <c>PROTOCOL</c> and <c>protocol.h</c>.</summary>
public enum PacketType : uint
{
    Text = 0,
    CanDo = 1,
    CantDo = 2,
    ResetAbilities = 3,
    PreSleep = 4,
    Unused = 5,
    Noop = 6,
    SubmitJob = 7,
    JobCreated = 8,
    GrabJob = 9,
    NoJob = 10,
    JobAssign = 11,
    WorkStatus = 12,
    WorkComplete = 13,
    WorkFail = 14,
    GetStatus = 15,
    EchoReq = 16,
    EchoRes = 17,
    SubmitJobBg = 18,
    Error = 19,
    StatusRes = 20,
    SubmitJobHigh = 21,
    SetClientId = 22,
    CanDoTimeout = 23,
    AllYours = 24,
    WorkException = 25,
    OptionReq = 26,
    OptionRes = 27,
    WorkData = 28,
    WorkWarning = 29,
    GrabJobUniq = 30,
    JobAssignUniq = 31,
    SubmitJobHighBg = 32,
    SubmitJobLow = 33,
    SubmitJobLowBg = 34,
    SubmitJobSched = 35,
    SubmitJobEpoch = 36,
    SubmitReduceJob = 37,
    SubmitReduceJobBackground = 38,
    GrabJobAll = 39,
    JobAssignAll = 40,
    GetStatusUnique = 41,
    StatusResUnique = 42,
}

/// <summary>Facts about each packet type that the server needs to validate requests.</summary>
public static class PacketTypes
{
    /// <summary>One past the highest known packet type.</summary>
    public const uint Max = 43;

    public static bool IsKnown(uint type) => type is > 0 and < Max;

    /// <summary>
    /// How many NUL-separated arguments a request of this type carries (the last one takes the rest of the body),
    /// or -1 for a type that a client or worker never sends to a server.
    /// Counts follow <c>gearmand_command_info_list</c> in libgearman/command.cc.
    /// </summary>
    public static int RequestArgCount(PacketType type) => type switch
    {
        PacketType.CanDo or PacketType.CantDo or PacketType.GetStatus or PacketType.EchoReq
            or PacketType.SetClientId or PacketType.OptionReq or PacketType.WorkFail
            or PacketType.GetStatusUnique => 1,
        PacketType.ResetAbilities or PacketType.PreSleep or PacketType.GrabJob or PacketType.GrabJobUniq
            or PacketType.GrabJobAll or PacketType.AllYours => 0,
        PacketType.SubmitJob or PacketType.SubmitJobBg or PacketType.SubmitJobHigh or PacketType.SubmitJobHighBg
            or PacketType.SubmitJobLow or PacketType.SubmitJobLowBg => 3,
        PacketType.CanDoTimeout or PacketType.WorkComplete or PacketType.WorkException or PacketType.WorkData
            or PacketType.WorkWarning => 2,
        PacketType.WorkStatus => 3,
        PacketType.SubmitJobEpoch => 4,
        PacketType.SubmitReduceJob or PacketType.SubmitReduceJobBackground => 5,
        _ => -1,
    };
}
