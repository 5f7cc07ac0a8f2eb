using Gearman.Actors.Protocol;

namespace Gearman.Actors.Protocol.Tests;

public class PacketTypeTests
{
    [Theory]
    [InlineData(PacketType.Text, 0u)]
    [InlineData(PacketType.CanDo, 1u)]
    [InlineData(PacketType.CantDo, 2u)]
    [InlineData(PacketType.ResetAbilities, 3u)]
    [InlineData(PacketType.PreSleep, 4u)]
    [InlineData(PacketType.Unused, 5u)]
    [InlineData(PacketType.Noop, 6u)]
    [InlineData(PacketType.SubmitJob, 7u)]
    [InlineData(PacketType.JobCreated, 8u)]
    [InlineData(PacketType.GrabJob, 9u)]
    [InlineData(PacketType.NoJob, 10u)]
    [InlineData(PacketType.JobAssign, 11u)]
    [InlineData(PacketType.WorkStatus, 12u)]
    [InlineData(PacketType.WorkComplete, 13u)]
    [InlineData(PacketType.WorkFail, 14u)]
    [InlineData(PacketType.GetStatus, 15u)]
    [InlineData(PacketType.EchoReq, 16u)]
    [InlineData(PacketType.EchoRes, 17u)]
    [InlineData(PacketType.SubmitJobBg, 18u)]
    [InlineData(PacketType.Error, 19u)]
    [InlineData(PacketType.StatusRes, 20u)]
    [InlineData(PacketType.SubmitJobHigh, 21u)]
    [InlineData(PacketType.SetClientId, 22u)]
    [InlineData(PacketType.CanDoTimeout, 23u)]
    [InlineData(PacketType.AllYours, 24u)]
    [InlineData(PacketType.WorkException, 25u)]
    [InlineData(PacketType.OptionReq, 26u)]
    [InlineData(PacketType.OptionRes, 27u)]
    [InlineData(PacketType.WorkData, 28u)]
    [InlineData(PacketType.WorkWarning, 29u)]
    [InlineData(PacketType.GrabJobUniq, 30u)]
    [InlineData(PacketType.JobAssignUniq, 31u)]
    [InlineData(PacketType.SubmitJobHighBg, 32u)]
    [InlineData(PacketType.SubmitJobLow, 33u)]
    [InlineData(PacketType.SubmitJobLowBg, 34u)]
    [InlineData(PacketType.SubmitJobSched, 35u)]
    [InlineData(PacketType.SubmitJobEpoch, 36u)]
    [InlineData(PacketType.SubmitReduceJob, 37u)]
    [InlineData(PacketType.SubmitReduceJobBackground, 38u)]
    [InlineData(PacketType.GrabJobAll, 39u)]
    [InlineData(PacketType.JobAssignAll, 40u)]
    [InlineData(PacketType.GetStatusUnique, 41u)]
    [InlineData(PacketType.StatusResUnique, 42u)]
    public void Numbers_match_the_protocol_table(PacketType type, uint number) => Assert.Equal(number, (uint)type);

    [Fact]
    public void Known_types_are_1_to_42()
    {
        Assert.Equal(43u, PacketTypes.Max);
        Assert.False(PacketTypes.IsKnown(0));
        for (uint t = 1; t <= 42; t++) Assert.True(PacketTypes.IsKnown(t), $"type {t}");
        Assert.False(PacketTypes.IsKnown(43));
        Assert.False(PacketTypes.IsKnown(999));
        Assert.False(PacketTypes.IsKnown(0x7fffffff));
        Assert.False(PacketTypes.IsKnown(uint.MaxValue));
        Assert.Equal(43, Enum.GetValues<PacketType>().Length);
    }

    [Theory]
    [InlineData(PacketType.CanDo, 1)]
    [InlineData(PacketType.CantDo, 1)]
    [InlineData(PacketType.ResetAbilities, 0)]
    [InlineData(PacketType.PreSleep, 0)]
    [InlineData(PacketType.SubmitJob, 3)]
    [InlineData(PacketType.GrabJob, 0)]
    [InlineData(PacketType.WorkStatus, 3)]
    [InlineData(PacketType.WorkComplete, 2)]
    [InlineData(PacketType.WorkFail, 1)]
    [InlineData(PacketType.GetStatus, 1)]
    [InlineData(PacketType.EchoReq, 1)]
    [InlineData(PacketType.SubmitJobBg, 3)]
    [InlineData(PacketType.SubmitJobHigh, 3)]
    [InlineData(PacketType.SetClientId, 1)]
    [InlineData(PacketType.CanDoTimeout, 2)]
    [InlineData(PacketType.AllYours, 0)]
    [InlineData(PacketType.WorkException, 2)]
    [InlineData(PacketType.OptionReq, 1)]
    [InlineData(PacketType.WorkData, 2)]
    [InlineData(PacketType.WorkWarning, 2)]
    [InlineData(PacketType.GrabJobUniq, 0)]
    [InlineData(PacketType.SubmitJobHighBg, 3)]
    [InlineData(PacketType.SubmitJobLow, 3)]
    [InlineData(PacketType.SubmitJobLowBg, 3)]
    [InlineData(PacketType.SubmitJobEpoch, 4)]
    [InlineData(PacketType.SubmitReduceJob, 5)]
    [InlineData(PacketType.SubmitReduceJobBackground, 5)]
    [InlineData(PacketType.GrabJobAll, 0)]
    [InlineData(PacketType.GetStatusUnique, 1)]
    public void Request_arg_counts_follow_the_command_table(PacketType type, int count) =>
        Assert.Equal(count, PacketTypes.RequestArgCount(type));

    [Theory]
    [InlineData(PacketType.Text)]
    [InlineData(PacketType.Unused)]
    [InlineData(PacketType.Noop)]
    [InlineData(PacketType.JobCreated)]
    [InlineData(PacketType.NoJob)]
    [InlineData(PacketType.JobAssign)]
    [InlineData(PacketType.EchoRes)]
    [InlineData(PacketType.Error)]
    [InlineData(PacketType.StatusRes)]
    [InlineData(PacketType.OptionRes)]
    [InlineData(PacketType.JobAssignUniq)]
    [InlineData(PacketType.SubmitJobSched)]
    [InlineData(PacketType.JobAssignAll)]
    [InlineData(PacketType.StatusResUnique)]
    [InlineData((PacketType)43)]
    [InlineData((PacketType)999)]
    public void Types_a_client_never_sends_have_no_request_arg_count(PacketType type) =>
        Assert.Equal(-1, PacketTypes.RequestArgCount(type));

    [Fact]
    public void Request_arg_counts_never_exceed_what_PacketArgs_can_split()
    {
        foreach (var type in Enum.GetValues<PacketType>())
            Assert.InRange(PacketTypes.RequestArgCount(type), -1, PacketArgs.MaxArgs);
    }

    [Fact]
    public void Error_codes_are_the_libgearman_names_without_prefix()
    {
        Assert.Equal("INVALID_MAGIC", ErrorCode.InvalidMagic);
        Assert.Equal("INVALID_COMMAND", ErrorCode.InvalidCommand);
        Assert.Equal("ARGUMENT_TOO_LARGE", ErrorCode.ArgumentTooLarge);
        Assert.Equal("QUEUE_ERROR", ErrorCode.QueueError);
        Assert.Equal("UNKNOWN_OPTION", ErrorCode.UnknownOption);
        Assert.Equal("JOB_NOT_FOUND", ErrorCode.JobNotFound);
        Assert.Equal("INVALID_PACKET", ErrorCode.InvalidPacket);
        Assert.Equal("NOT_IMPLEMENTED", ErrorCode.NotImplemented);
    }
}
