import { createRobot, LOCAL_ROBOT_KEY, RobotErrcode } from '../../localcloud/robot';

const NOW = Date.parse('2026-12-02T00:00:00Z');

describe('the local WeCom robot', () => {
  it('posts a markdown message and keeps it with its time, type, content and UTF-8 size', () => {
    const robot = createRobot(() => NOW);

    const answer = robot.post(LOCAL_ROBOT_KEY, { msgtype: 'markdown', markdown: { content: '## 新申请\n> 小鹿记账' } });

    expect(answer).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(robot.messages()).toEqual([{ at: '2026-12-02T00:00:00.000Z', msgtype: 'markdown', content: '## 新申请\n> 小鹿记账', mentioned: [], bytes: 27 }]);
  });

  it("keeps a text message's mentioned_list", () => {
    const robot = createRobot(() => NOW);

    robot.post(LOCAL_ROBOT_KEY, { msgtype: 'text', text: { content: 'hi', mentioned_list: ['zhangsan', '@all'] } });

    expect(robot.messages()[0]).toMatchObject({ msgtype: 'text', mentioned: ['zhangsan', '@all'] });
  });

  it.each([
    ['a missing key', null, { msgtype: 'text', text: { content: 'x' } }, RobotErrcode.invalidKey, /invalid webhook url.*missing/],
    ['another key', 'abc', { msgtype: 'text', text: { content: 'x' } }, RobotErrcode.invalidKey, /invalid webhook url.*local-robot-key/],
    ['a body that is not an object', LOCAL_ROBOT_KEY, 'not json', RobotErrcode.invalidParameter, /invalid parameter/],
    ['no msgtype', LOCAL_ROBOT_KEY, { text: { content: 'x' } }, RobotErrcode.invalidMessageType, /invalid message type null/],
    ['a msgtype the model does not take', LOCAL_ROBOT_KEY, { msgtype: 'news', news: {} }, RobotErrcode.invalidMessageType, /"news".*text.*markdown/],
    ['no content object', LOCAL_ROBOT_KEY, { msgtype: 'markdown' }, RobotErrcode.emptyContent, /empty content/],
    ['empty content', LOCAL_ROBOT_KEY, { msgtype: 'text', text: { content: '' } }, RobotErrcode.emptyContent, /empty content/],
    ['content that is not a string', LOCAL_ROBOT_KEY, { msgtype: 'text', text: { content: 5 } }, RobotErrcode.invalidParameter, /content must be a string/],
    [
      'markdown past 4,096 bytes',
      LOCAL_ROBOT_KEY,
      { msgtype: 'markdown', markdown: { content: '申'.repeat(1366) } },
      RobotErrcode.tooLong,
      /markdown\.content exceed max length 4096 bytes \(got 4098\)/,
    ],
    [
      'text past 2,048 bytes',
      LOCAL_ROBOT_KEY,
      { msgtype: 'text', text: { content: 'x'.repeat(2049) } },
      RobotErrcode.tooLong,
      /text\.content exceed max length 2048/,
    ],
    [
      'a mentioned_list that is not strings',
      LOCAL_ROBOT_KEY,
      { msgtype: 'text', text: { content: 'x', mentioned_list: [1] } },
      RobotErrcode.invalidParameter,
      /mentioned_list/,
    ],
  ])('answers %s with its errcode and records nothing', (_label, key, body, errcode, errmsg) => {
    const robot = createRobot(() => NOW);

    const answer = robot.post(key, body);

    expect(answer.errcode).toBe(errcode);
    expect(answer.errmsg).toMatch(errmsg);
    expect(robot.messages()).toEqual([]);
  });

  it('takes content at exactly the byte limits', () => {
    const robot = createRobot(() => NOW);

    expect(robot.post(LOCAL_ROBOT_KEY, { msgtype: 'markdown', markdown: { content: 'x'.repeat(4096) } }).errcode).toBe(0);
    expect(robot.post(LOCAL_ROBOT_KEY, { msgtype: 'text', text: { content: '申'.repeat(682) + 'xx' } }).errcode).toBe(0);
  });

  it('refuses the 21st message within a minute of the model clock with 45009, and takes one again once the minute has passed', () => {
    let now = NOW;
    const robot = createRobot(() => now);
    const post = (): number => robot.post(LOCAL_ROBOT_KEY, { msgtype: 'text', text: { content: 'x' } }).errcode;
    for (let i = 0; i < 20; i += 1) {
      expect(post()).toBe(0);
      now += 2000;
    }

    const refused = post();
    now = NOW + 60_000 + 1;
    const later = post();

    expect(refused).toBe(RobotErrcode.rateLimited);
    expect(later).toBe(0);
    expect(robot.messages()).toHaveLength(21);
  });

  it('forgets its messages on clear', () => {
    const robot = createRobot(() => NOW);
    robot.post(LOCAL_ROBOT_KEY, { msgtype: 'text', text: { content: 'x' } });

    robot.clear();

    expect(robot.messages()).toEqual([]);
  });
});
